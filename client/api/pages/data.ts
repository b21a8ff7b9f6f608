/**
 * What the pages show, read through the same helpers as the JSON API: visibility lists
 * (`visibility.ts`) and the run's `status` query, each with the API's deadline so a missing worker
 * is a message, not a hanging page.
 */
import { programOf, readRunStatus, type PhaseOfProgram } from '../../program-phases';
import type { RunStatus } from '../../../workflows/status';
import { withDeadline, type AppDeps } from '../deps';
import { toApiError } from '../errors';
import type { RunList, RunListItem } from '../schemas';
import { listRuns } from '../visibility';

/** How many runs a page lists at most (the visibility page size). */
export const PAGE_SIZE = 50;

/** A run awaiting a decision, with its status or why it could not be read. */
export type AwaitingRun =
  { item: RunListItem; status: RunStatus; program?: PhaseOfProgram } | { item: RunListItem; error: string };

/** The status query of one run; throws what the API would (404 unknown run, 503 no worker...). */
export async function readStatus(deps: AppDeps, runId: string): Promise<RunStatus> {
  return withDeadline(deps, () => readRunStatus(deps.client, runId));
}

/** A message for a failure, as the API would put it (never a stack trace). */
export function failureMessage(err: unknown): string {
  return toApiError(err)?.message ?? 'the status could not be read (see the server log)';
}

/**
 * Runs whose `AwaitingApproval` search attribute is true, each with its status. Visibility lags
 * the run a little, so a run whose gates no longer await anything is dropped here rather than
 * shown with nothing to vote on.
 */
export async function awaitingRuns(deps: AppDeps): Promise<AwaitingRun[]> {
  const page = await listRuns(deps, { awaitingApproval: true }, PAGE_SIZE);
  const open = page.runs.filter((r) => r.status === 'RUNNING');
  const results = await Promise.all(
    open.map(async (item): Promise<AwaitingRun> => {
      try {
        const status = await readStatus(deps, item.runId);
        // A program's phase names its program and "phase i of n", so approvers know what they decide.
        const program = await withDeadline(deps, () => programOf(deps.client, item.runId)).catch(() => undefined);
        return { item, status, ...(program ? { program } : {}) };
      } catch (err) {
        deps.logger.warn({ runId: item.runId, err: (err as Error).message }, 'approvals page: status unavailable');
        return { item, error: failureMessage(err) };
      }
    }),
  );
  return results.filter((r) => !('status' in r) || r.status.gates.some((g) => g.state === 'awaiting-approval'));
}

/** The newest runs of every state, or the older page that `pageToken` (a `nextPageToken`) names. */
export function recentRuns(deps: AppDeps, pageToken?: string): Promise<RunList> {
  return listRuns(deps, {}, PAGE_SIZE, pageToken);
}
