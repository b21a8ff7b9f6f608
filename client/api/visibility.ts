/**
 * Listing runs through Temporal visibility, filtered on Phasegate's search attributes. Filter
 * values are whitelisted before they enter a query string (the schemas already restrict them; this
 * is the second lock), so no request can inject visibility query syntax.
 */
import { createHash } from 'node:crypto';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { temporal } from '@temporalio/proto';
import { WORKFLOW_TYPES } from '../../workflows/messages';
import { AwaitingApproval, PhasePlan, PhaseSource, PhaseState } from '../../workflows/search-attributes';
import { ApiError } from './api-error';
import { withDeadline, type AppDeps } from './deps';
import type { RunList, RunListItem, RunStateName } from './schemas';

/** Characters allowed inside a quoted visibility value: no quotes, backslashes or spaces. */
const SAFE_VALUE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Quotes `value` for a visibility query; throws a 400 for anything outside the whitelist. */
export function visibilityValue(value: string): string {
  if (!SAFE_VALUE.test(value)) throw new ApiError(400, `invalid filter value ${JSON.stringify(value.slice(0, 50))}`);
  return `'${value}'`;
}

/** Filters of `GET /api/runs`. */
export interface RunFilter {
  state?: RunStateName;
  plan?: string;
  awaitingApproval?: boolean;
  /** `bundled` or `inline` (search attribute `PhaseSource`; runs started before it existed have none). */
  source?: 'bundled' | 'inline';
}

/** The visibility query for a filter: Phasegate's workflow types, plus each filter given. */
export function runsQuery(filter: RunFilter): string {
  const types = Object.values(WORKFLOW_TYPES).map(visibilityValue).join(', ');
  const parts = [`WorkflowType IN (${types})`];
  if (filter.state) parts.push(`${PhaseState.name} = ${visibilityValue(filter.state)}`);
  if (filter.plan) parts.push(`${PhasePlan.name} = ${visibilityValue(filter.plan)}`);
  if (filter.awaitingApproval !== undefined)
    parts.push(`${AwaitingApproval.name} = ${filter.awaitingApproval ? 'true' : 'false'}`);
  // Only an open run awaits anything: runs recorded before the `truthful-end` patch ended with
  // AwaitingApproval still true.
  if (filter.awaitingApproval === true) parts.push(`ExecutionStatus = 'Running'`);
  if (filter.source) parts.push(`${PhaseSource.name} = ${visibilityValue(filter.source)}`);
  return parts.join(' AND ');
}

/** The visibility query for open runs with an `agent` task for `agent`. */
export function agentTasksQuery(agent: string): string {
  return `PendingAgents = ${visibilityValue(agent)} AND ExecutionStatus = 'Running'`;
}

/*
 * Page tokens wrap Temporal's own token with a checksum over the query and the token, so a token
 * that is garbage, truncated, or from a list with other filters is a clear 400 here, instead of
 * something Temporal chokes on (its SQL visibility store retries some bad tokens until the deadline).
 */
const CHECK_BYTES = 12;

function checksum(query: string, raw: Uint8Array): Buffer {
  return createHash('sha256').update(query).update('\0').update(raw).digest().subarray(0, CHECK_BYTES);
}

/** Wraps Temporal's next-page token for the client. */
export function encodePageToken(query: string, raw: Uint8Array): string {
  return Buffer.concat([checksum(query, raw), raw]).toString('base64url');
}

/** Unwraps a client's page token for `query`; throws a 400 when it is not one of ours for this query. */
export function decodePageToken(query: string, token: string | undefined): Buffer {
  if (!token) return Buffer.alloc(0);
  const bytes = Buffer.from(token, 'base64url');
  const raw = bytes.subarray(CHECK_BYTES);
  if (bytes.length <= CHECK_BYTES || !checksum(query, raw).equals(bytes.subarray(0, CHECK_BYTES))) {
    throw new ApiError(400, 'invalid nextPageToken: pass the token of the previous page, with the same filters', [
      { path: 'nextPageToken', message: 'not a page token of this list' },
    ]);
  }
  return raw;
}

/** One page of raw executions from the visibility store, with the client's next-page token (null on the last page). */
export interface ExecutionPage {
  executions: temporal.api.workflow.v1.IWorkflowExecutionInfo[];
  nextPageToken: string | null;
}

/**
 * One page of `query` from the visibility store, newest first; `cursor` is a token this function
 * returned for the same query. Throws a 400 {@link ApiError} for a token of another query.
 */
export async function listExecutionPage(
  deps: AppDeps,
  query: string,
  pageSize: number,
  cursor: string | undefined,
): Promise<ExecutionPage> {
  const pageToken = decodePageToken(query, cursor);
  const res = await withDeadline(deps, () =>
    deps.client.workflowService.listWorkflowExecutions({
      namespace: deps.namespace,
      query,
      pageSize,
      nextPageToken: pageToken,
    }),
  );
  const next = res.nextPageToken && res.nextPageToken.length > 0 ? encodePageToken(query, res.nextPageToken) : null;
  return { executions: res.executions, nextPageToken: next };
}

/** One page of runs, newest first (the visibility store's order). */
export async function listRuns(
  deps: AppDeps,
  filter: RunFilter,
  pageSize = 50,
  nextPageToken?: string,
): Promise<RunList> {
  const page = await listExecutionPage(deps, runsQuery(filter), pageSize, nextPageToken);
  const runs: RunListItem[] = [];
  for (const raw of page.executions) {
    const info = await executionInfoFromRaw(raw, deps.client.options.loadedDataConverter, raw, deps.namespace);
    const attrs = info.typedSearchAttributes;
    runs.push({
      runId: info.workflowId,
      plan: attrs.get(PhasePlan) ?? null,
      state: attrs.get(PhaseState) ?? null,
      awaitingApproval: attrs.get(AwaitingApproval) ?? null,
      startTime: info.startTime ? info.startTime.toISOString() : null,
      closeTime: info.closeTime ? info.closeTime.toISOString() : null,
      status: info.status.name,
      uiUrl: deps.runUrl(info.workflowId),
    });
  }
  return { runs, nextPageToken: page.nextPageToken };
}

/** Ids of open runs that have an open task for `agent` (at most `limit`). */
export async function runsWithAgentTasks(deps: AppDeps, agent: string, limit = 200): Promise<string[]> {
  const ids: string[] = [];
  await withDeadline(deps, async () => {
    for await (const info of deps.client.workflow.list({
      query: agentTasksQuery(agent),
      pageSize: Math.min(limit, 100),
    })) {
      ids.push(info.workflowId);
      if (ids.length >= limit) break;
    }
  });
  return ids;
}
