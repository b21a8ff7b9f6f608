/**
 * Finding agent tasks without asking every run: each run keeps its open agent tasks in its memo
 * (`agentTasks`) and its lease index in the `AgentIndex` search attribute (`claimable:<agent>`,
 * `lease:<leaseId>`), so listing is one visibility call per page and "claim the next task" is one
 * visibility call plus one `claimNext` Update (the run itself picks its oldest unleased task and
 * refuses a second lease on it). Measured against the alternatives in ARCHITECTURE.md.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { AgentTaskMemo } from '../../workflows/agent-lease';
import { claimNextUpdate, statusQuery, type ClaimNextRequest, type ClaimResult } from '../../workflows/messages';
import { AgentIndex } from '../../workflows/search-attributes';
import type { RunStatus } from '../../workflows/status';
import { withDeadline, type AppDeps } from './deps';
import type { AgentTask } from './schemas';
import { updateRun } from './updates';
import { agentTasksQuery, listExecutionPage, visibilityValue } from './visibility';

/** One page of open agent tasks. */
export interface AgentTaskPage {
  tasks: AgentTask[];
  /** Token of the next page of runs, or null on the last page. */
  nextPageToken: string | null;
}

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

/**
 * The memo entries of one listed run. `tasks` is `undefined` for a run started before runs kept
 * them; `complete` is false when the run has more open tasks than its memo lists (MEMO_MAX_TASKS).
 */
async function memoTasks(
  deps: AppDeps,
  raw: RawExecution,
): Promise<{ runId: string; tasks: AgentTaskMemo[] | undefined; complete: boolean; index: string[]; startMs: number }> {
  const info = await executionInfoFromRaw(raw, deps.client.options.loadedDataConverter, raw, deps.namespace);
  const tasks = Array.isArray(info.memo?.agentTasks) ? (info.memo.agentTasks as AgentTaskMemo[]) : undefined;
  const open = typeof info.memo?.agentTasksOpen === 'number' ? info.memo.agentTasksOpen : (tasks?.length ?? 0);
  return {
    runId: info.workflowId,
    tasks,
    complete: tasks !== undefined && open <= tasks.length,
    index: info.typedSearchAttributes.get(AgentIndex) ?? [],
    startMs: info.startTime?.getTime() ?? 0,
  };
}

/** Open tasks of `agent` from a run's status: only for runs whose memo does not list them all (or has none). */
async function tasksFromStatus(deps: AppDeps, runId: string, agent: string): Promise<AgentTask[]> {
  try {
    const status: RunStatus = await withDeadline(
      deps,
      () => deps.client.workflow.getHandle(runId).query(statusQuery),
      Math.min(deps.rpcTimeoutMs, 5_000),
    );
    return status.steps
      .filter((s) => s.agentTask && s.agent === agent && s.state === 'running')
      .map((s) => ({
        runId,
        stepId: s.id,
        title: s.title ?? null,
        agent,
        attempt: s.agentTask?.attempt ?? s.attempts,
        claimedBy: s.agentTask?.claimedBy ?? null,
      }));
  } catch (err) {
    deps.logger.debug({ runId, err }, 'skipping run in agent task list');
    return [];
  }
}

/**
 * One page of `agent`'s open tasks: the open runs listing that agent (`PendingAgents`), `pageSize`
 * runs per page, their tasks read from the memos. One visibility call per page; a status query
 * only for a run with more open tasks than its memo holds (or one from before the memo).
 */
export async function listAgentTasks(
  deps: AppDeps,
  agent: string,
  pageSize: number,
  cursor?: string,
): Promise<AgentTaskPage> {
  const page = await listExecutionPage(deps, agentTasksQuery(agent), pageSize, cursor);
  const runs = await Promise.all(page.executions.map((raw) => memoTasks(deps, raw)));
  const tasks: AgentTask[] = [];
  for (const run of runs) {
    if (!run.tasks || !run.complete) {
      tasks.push(...(await tasksFromStatus(deps, run.runId, agent)));
      continue;
    }
    for (const t of run.tasks) {
      if (t.agent !== agent) continue;
      tasks.push({
        runId: run.runId,
        stepId: t.stepId,
        title: t.title,
        agent,
        attempt: t.attempt,
        claimedBy: t.claimedBy,
        ...(t.label ? { label: t.label } : {}),
        openedAt: t.openedAt,
      });
    }
  }
  return { tasks, nextPageToken: page.nextPageToken };
}

/** The visibility query for runs where `agent` has an unleased task (or holds `leaseId`). */
export function claimableQuery(agent: string, runId?: string, leaseId?: string): string {
  const values = [visibilityValue(`claimable:${agent}`), ...(leaseId ? [visibilityValue(`lease:${leaseId}`)] : [])];
  return [
    `AgentIndex IN (${values.join(', ')})`,
    `ExecutionStatus = 'Running'`,
    ...(runId ? [`WorkflowId = ${visibilityValue(runId)}`] : []),
  ].join(' AND ');
}

/**
 * What this API process knows beyond visibility, which lags the runs by up to a second: claims in
 * flight per run, and runs that just answered "nothing to lease" (skipped for a moment). Only a
 * hint for spreading racing claimers; the run itself decides who gets a lease.
 */
interface Hints {
  inFlight: Map<string, number>;
  coolUntil: Map<string, number>;
}
const hintsByDeps = new WeakMap<AppDeps, Hints>();
const COOL_MS = 1_500;
/** Runs looked at per pass: enough for racing claimers to spread over, few enough to decode fast. */
const CANDIDATES = 25;
const MAX_HINTS = 10_000;

function hintsOf(deps: AppDeps): Hints {
  let h = hintsByDeps.get(deps);
  if (!h) hintsByDeps.set(deps, (h = { inFlight: new Map(), coolUntil: new Map() }));
  if (h.coolUntil.size > MAX_HINTS) h.coolUntil.clear();
  return h;
}

interface Candidate {
  runId: string;
  holdsLease: boolean;
  free: number;
  oldestMs: number;
}

/** Candidate runs of one visibility page, the run holding `leaseId` first, then oldest task first. */
async function candidates(deps: AppDeps, agent: string, runs: RawExecution[], leaseId?: string): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const raw of runs) {
    const run = await memoTasks(deps, raw);
    const mine = (run.tasks ?? []).filter((t) => t.agent === agent);
    const free = mine.filter((t) => t.claimedBy === null);
    const holdsLease = leaseId !== undefined && run.index.includes(`lease:${leaseId}`);
    const oldestMs = free.length ? Math.min(...free.map((t) => Date.parse(t.openedAt))) : run.startMs;
    // A memo that does not list every open task cannot count the free ones: the index said there is one.
    out.push({ runId: run.runId, holdsLease, free: run.complete ? free.length : Number.POSITIVE_INFINITY, oldestMs });
  }
  return out.sort((a, b) => Number(b.holdsLease) - Number(a.holdsLease) || a.oldestMs - b.oldestMs);
}

function isNothingToLease(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === 'Conflict'
  );
}

/** `claimNext` on one run; null when it has nothing to lease (or has ended). */
async function claimIn(deps: AppDeps, runId: string, req: ClaimNextRequest): Promise<ClaimResult | null> {
  try {
    return await updateRun(deps, runId, (h) => h.executeUpdate(claimNextUpdate, { args: [req] }));
  } catch (err) {
    // 409 from the run: nothing left to lease there (visibility was behind); the caller moves on.
    if (isNothingToLease(err) || (err instanceof Error && /has already ended|not found/.test(err.message))) return null;
    throw err;
  }
}

/**
 * One pass. With `runId`: `claimNext` straight to that run (no visibility call; also serves runs
 * started before the index). Otherwise a visibility page of candidate runs, then `claimNext` on
 * each until one grants a lease.
 */
async function claimOnce(deps: AppDeps, req: ClaimNextRequest, runId?: string): Promise<ClaimResult | null> {
  if (runId) return claimIn(deps, runId, req);
  const query = claimableQuery(req.agent, undefined, req.leaseId);
  const res = await withDeadline(deps, () =>
    deps.client.workflowService.listWorkflowExecutions({ namespace: deps.namespace, query, pageSize: CANDIDATES }),
  );
  const hints = hintsOf(deps);
  const now = Date.now();
  for (const c of await candidates(deps, req.agent, res.executions, req.leaseId)) {
    const key = `${req.agent}/${c.runId}`;
    const busy = hints.inFlight.get(key) ?? 0;
    if (!c.holdsLease && (busy >= c.free || (hints.coolUntil.get(key) ?? 0) > now)) continue;
    hints.inFlight.set(key, busy + 1);
    try {
      const lease = await claimIn(deps, c.runId, req);
      if (lease) {
        // Its last free task just went: visibility will list the run a little longer, skip it meanwhile.
        if (c.free <= 1 && !c.holdsLease) hints.coolUntil.set(key, Date.now() + COOL_MS);
        else hints.coolUntil.delete(key);
        return lease;
      }
      hints.coolUntil.set(key, Date.now() + COOL_MS);
    } finally {
      const left = (hints.inFlight.get(key) ?? 1) - 1;
      if (left > 0) hints.inFlight.set(key, left);
      else hints.inFlight.delete(key);
    }
  }
  return null;
}

/**
 * Leases the oldest open task of `req.agent` (in `runId` when given), waiting up to `waitMs` for
 * one: visibility is polled at 100 ms growing to 1 s. Resolves with the lease, or null when none
 * came (or `signal` aborted: the client went away). Throws API errors for Temporal trouble.
 */
export async function claimNext(
  deps: AppDeps,
  req: ClaimNextRequest,
  waitMs: number,
  runId?: string,
  signal?: AbortSignal,
): Promise<ClaimResult | null> {
  const deadline = Date.now() + waitMs;
  let pause = 100;
  for (;;) {
    const lease = await claimOnce(deps, req, runId);
    if (lease) return lease;
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return null;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(pause, left));
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    pause = Math.min(pause * 1.5, 1_000);
  }
}
