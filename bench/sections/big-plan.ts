/**
 * Scale, one big plan: 2,000 instant tasks as 20 parallel chains of 100, through `phaseWorkflow`,
 * and the same DAG through the hand-written baseline for comparison. Reports wall time, history
 * events (Temporal refuses to grow a history past 51,200 events) and bytes, the size of the status
 * (the workflow's result and the `status` query's answer; Temporal rejects payloads over 2 MB),
 * progress samples, and how long a worker takes to replay the finished history: that is what a
 * worker restart costs the run, and one workflow task must fit in its 10 s timeout.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { startRun } from '../../client/runs';
import { statusPageQuery } from '../../workflows/messages';
import type { RunStatus } from '../../workflows/status';
import type { Harness } from '../lib/harness';
import { historyStats } from '../lib/history';
import { bigPlan } from '../lib/plans';
import { round } from '../lib/stats';
import { baselineDagWorkflow } from '../workflows/baseline';

/** What one side of the section measured. */
export interface BigRun {
  outcome: string;
  seconds: number;
  historyEvents: number;
  historyBytes: number | null;
  workflowTasks: number;
  /** Sum of workflow task durations (ms): time inside workflow code, per the server. */
  workflowTaskMs: number;
  /** Replaying the finished history from scratch in this process (s). */
  replaySeconds: number;
}

async function replaySeconds(h: Harness, workflowId: string): Promise<number> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const t = performance.now();
  await Worker.runReplayHistory({ workflowBundle: h.workflowBundle }, history, workflowId);
  return round((performance.now() - t) / 1000, 1);
}

async function describeRun(h: Harness, workflowId: string, outcome: string, seconds: number): Promise<BigRun> {
  const described = await h.client.workflow.getHandle(workflowId).describe();
  const stats = await historyStats(h.client, workflowId);
  return {
    outcome,
    seconds: round(seconds, 1),
    historyEvents: described.historyLength,
    historyBytes: described.historySize ?? null,
    workflowTasks: stats.workflowTasks,
    workflowTaskMs: round(stats.workflowTaskMs, 0),
    replaySeconds: await replaySeconds(h, workflowId),
  };
}

/** Reading a big run through the API: the default answer and every page after it. */
export interface PagedRead {
  /** Bytes of `GET /api/runs/:runId` (the first page for a run over 500 steps). */
  firstBytes: number;
  pages: number;
  largestPageBytes: number;
  /** Distinct steps read by following the cursors: every step must be readable. */
  stepsRead: number;
}

/** Reads `runId` through the API page by page (following `stepsPage.nextCursor`). */
export async function pagedRead(h: Harness, runId: string): Promise<PagedRead> {
  const seen = new Set<string>();
  let cursor: string | null | undefined;
  let firstBytes = 0;
  let largest = 0;
  let pages = 0;
  do {
    const res = await fetch(`${h.api}/api/runs/${runId}${cursor ? `?cursor=${cursor}` : ''}`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET /api/runs/${runId} answered ${res.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { steps: { id: string }[]; stepsPage?: { nextCursor: string | null } };
    const bytes = Buffer.byteLength(text);
    if (pages === 0) firstBytes = bytes;
    largest = Math.max(largest, bytes);
    pages++;
    for (const st of body.steps) seen.add(st.id);
    cursor = body.stepsPage?.nextCursor;
  } while (cursor);
  return { firstBytes, pages, largestPageBytes: largest, stepsRead: seen.size };
}

/** One plan size through the engine and through the baseline. */
export interface PlanSizeResult extends BigRun {
  steps: number;
  chains: number;
  /** JSON size of the final status (= the workflow result and the whole `status` query's answer). */
  wholeStatusBytes: number;
  /** What `GET /api/runs/:runId` serves (first page) and reading every page. */
  api: PagedRead;
  baseline: BigRun;
}

/** Steps succeeded so far, read in pages (`statusPage`): the whole status of a big run is over 512 KiB. */
async function succeededSteps(handle: WorkflowHandle): Promise<number> {
  let done = 0;
  for (let offset = 0; ; offset += 500) {
    const page = await handle.query(statusPageQuery, { offset, limit: 500 });
    done += page.steps.filter((x) => x.state === 'succeeded').length;
    if (offset + page.stepsPage.returned >= page.stepsPage.total) return done;
  }
}

async function runEngine(
  h: Harness,
  chains: number,
  length: number,
  limitMs: number,
  progress?: [number, number][],
): Promise<{ id: string; outcome: string; seconds: number; final?: RunStatus }> {
  const plan = bigPlan(chains, length);
  const id = `bench-big-${randomUUID()}`;
  const t0 = performance.now();
  const handle = await startRun(h.client, plan, { taskQueue: h.taskQueue, runId: id });
  let final: RunStatus | undefined;
  let outcome = 'running';
  const result = handle.result().then(
    (status: RunStatus) => {
      final = status;
      outcome = status.outcome ?? 'unknown';
    },
    (err: unknown) => {
      if (outcome === 'running') outcome = `failed: ${(err as Error).message}`;
    },
  );
  // Sample progress while the run is cached on the worker (a query then costs no replay).
  while (outcome === 'running') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([result, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
    clearTimeout(timer);
    if (outcome !== 'running') break;
    if (performance.now() - t0 > limitMs) {
      outcome = `gave up after ${limitMs / 1000}s`;
      await handle.terminate('benchmark limit');
      break;
    }
    if (!progress) continue;
    try {
      progress.push([round((performance.now() - t0) / 1000, 1), await succeededSteps(handle)]);
    } catch {
      // a busy worker may time a query out; the next sample will tell
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (final && progress) progress.push([round(seconds, 1), final.steps.filter((x) => x.state === 'succeeded').length]);
  return { id, outcome, seconds, ...(final ? { final } : {}) };
}

/** Runs `chains` × `length` steps through the engine, then the same DAG through the baseline. */
export async function measurePlan(
  h: Harness,
  chains: number,
  length: number,
  limitMs = 6 * 60_000,
  progress?: [number, number][],
): Promise<PlanSizeResult> {
  const run = await runEngine(h, chains, length, limitMs, progress);
  const engine = await describeRun(h, run.id, run.outcome, run.seconds);
  const apiRead = await pagedRead(h, run.id);
  const nodes = bigPlan(chains, length).steps.map((s) => ({ id: s.id, needs: s.needs ?? [] }));
  const bid = `bench-big-baseline-${randomUUID()}`;
  const b0 = performance.now();
  await (
    await h.client.workflow.start(baselineDagWorkflow, { taskQueue: h.taskQueue, workflowId: bid, args: [{ nodes }] })
  ).result();
  const baseline = await describeRun(h, bid, 'succeeded', (performance.now() - b0) / 1000);
  return {
    steps: chains * length,
    chains,
    ...engine,
    wholeStatusBytes: run.final ? Buffer.byteLength(JSON.stringify(run.final)) : 0,
    api: apiRead,
    baseline,
  };
}

/** Results of the big-plan section. */
export interface BigPlanResult extends PlanSizeResult {
  /** What a client reads by default: `GET /api/runs/:runId` (its first page of steps), bytes. */
  statusBytes: number;
  /** [seconds since start, steps succeeded], sampled every 5 s through the status query. */
  progress: [number, number][];
}

/** Runs the section: 20 chains of 100 (2,000 steps); gives up on the engine run after `limitMs`. */
export async function benchBigPlan(
  h: Harness,
  chains = 20,
  length = 100,
  limitMs = 6 * 60_000,
): Promise<BigPlanResult> {
  const progress: [number, number][] = [];
  const r = await measurePlan(h, chains, length, limitMs, progress);
  return { ...r, statusBytes: r.api.firstBytes, progress };
}
