/**
 * Scale, one big plan: 2,000 instant tasks as 20 parallel chains of 100, through `phaseWorkflow`,
 * and the same DAG through the hand-written baseline for comparison. Reports wall time, history
 * events (Temporal refuses to grow a history past 51,200 events) and bytes, the size of the status
 * (the workflow's result and the `status` query's answer; Temporal rejects payloads over 2 MB),
 * progress samples, and how long a worker takes to replay the finished history: that is what a
 * worker restart costs the run, and one workflow task must fit in its 10 s timeout.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { startRun } from '../../client/runs';
import { statusQuery } from '../../workflows/messages';
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

/** Results of the big-plan section. */
export interface BigPlanResult extends BigRun {
  steps: number;
  chains: number;
  /** JSON size of the final status (= the workflow result and the status query's answer). */
  statusBytes: number;
  /** [seconds since start, steps succeeded], sampled every 5 s through the status query. */
  progress: [number, number][];
  baseline: BigRun;
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

/** Runs the section; gives up on the engine run after `limitMs` (and reports how far it got). */
export async function benchBigPlan(h: Harness, chains = 20, length = 100, limitMs = 6 * 60_000): Promise<BigPlanResult> {
  const plan = bigPlan(chains, length);
  const id = `bench-big-${randomUUID()}`;
  const t0 = performance.now();
  const handle = await startRun(h.client, plan, { taskQueue: h.taskQueue, runId: id });
  const progress: [number, number][] = [];
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
    try {
      const s = await handle.query(statusQuery);
      progress.push([round((performance.now() - t0) / 1000, 1), s.steps.filter((x) => x.state === 'succeeded').length]);
    } catch {
      // a busy worker may time a query out; the next sample will tell
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (final) progress.push([round(seconds, 1), final.steps.filter((x) => x.state === 'succeeded').length]);
  const engine = await describeRun(h, id, outcome, seconds);

  const nodes = plan.steps.map((s) => ({ id: s.id, needs: s.needs ?? [] }));
  const bid = `bench-big-baseline-${randomUUID()}`;
  const b0 = performance.now();
  await (await h.client.workflow.start(baselineDagWorkflow, { taskQueue: h.taskQueue, workflowId: bid, args: [{ nodes }] })).result();
  const baseline = await describeRun(h, bid, 'succeeded', (performance.now() - b0) / 1000);

  return {
    steps: plan.steps.length,
    chains,
    ...engine,
    statusBytes: final ? Buffer.byteLength(JSON.stringify(final)) : 0,
    progress,
    baseline,
  };
}
