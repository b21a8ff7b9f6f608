/**
 * Engine overhead: the 20-step DAG through `phaseWorkflow` (A) vs the hand-written
 * `baselineDagWorkflow` (B), same worker, same activity, same DAG. Runs go one at a time (we
 * measure latency, not the server's throughput), in interleaved batches whose order flips every
 * round (AB, BA, ...), so drift in machine load hits both sides alike.
 */
import { randomUUID } from 'node:crypto';
import { startRun } from '../../client/runs';
import type { Harness } from '../lib/harness';
import { historyStats } from '../lib/history';
import { dagNodes, dagPlan } from '../lib/plans';
import { mapLimit, round, summarize, type Summary } from '../lib/stats';
import { baselineDagWorkflow } from '../workflows/baseline';

/** Results of the overhead section. */
export interface OverheadResult {
  runsPerSide: number;
  batchSize: number;
  /** Wall time from the client's start call to the workflow's result, per run (ms). */
  phaseMs: Summary;
  baselineMs: Summary;
  /** Median of the per-round ratios (each round pairs adjacent A and B batches, so load drift cancels). */
  ratio: number;
  /** median(phase) / median(baseline) over all runs. */
  ratioOfMedians: number;
  /** The ratio computed per round, to show its spread. */
  roundRatios: Summary;
  /** Per-run history evidence (medians over the measured runs). */
  history: Record<
    Side,
    {
      events: number;
      workflowTasks: number;
      workflowTaskMs: Summary;
      activityDispatchMs: number;
      workflowTaskDispatchMs: number;
    }
  >;
}

type Side = 'phase' | 'baseline';

/** Ids of the measured runs, per side, for the history evidence. */
const measuredIds: Record<Side, string[]> = { phase: [], baseline: [] };

async function runOnce(h: Harness, side: Side): Promise<{ ms: number; id: string }> {
  const id = `bench-${side}-${randomUUID()}`;
  const started = performance.now();
  if (side === 'phase') {
    const handle = await startRun(h.client, dagPlan(), { taskQueue: h.taskQueue, runId: id });
    await handle.result();
  } else {
    const handle = await h.client.workflow.start(baselineDagWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: id,
      args: [{ nodes: dagNodes() }],
    });
    await handle.result();
  }
  return { ms: performance.now() - started, id };
}

async function batch(h: Harness, side: Side, n: number, measured = true): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await runOnce(h, side);
    out.push(r.ms);
    if (measured) measuredIds[side].push(r.id);
  }
  return out;
}

async function historyEvidence(h: Harness, side: Side): Promise<OverheadResult['history'][Side]> {
  const stats = await mapLimit(measuredIds[side], 8, (id) => historyStats(h.client, id));
  return {
    events: summarize(stats.map((s) => s.events)).median,
    workflowTasks: summarize(stats.map((s) => s.workflowTasks)).median,
    workflowTaskMs: summarize(stats.map((s) => s.workflowTaskMs)),
    activityDispatchMs: summarize(stats.map((s) => s.activityDispatchMs)).median,
    workflowTaskDispatchMs: summarize(stats.map((s) => s.workflowTaskDispatchMs)).median,
  };
}

const median = (xs: number[]) => summarize(xs, 3).median;

/** Runs the section: `warmup` runs per side first (not counted), then `runs` per side in batches. */
export async function benchOverhead(h: Harness, runs = 50, batchSize = 5, warmup = 5): Promise<OverheadResult> {
  await batch(h, 'phase', warmup, false);
  await batch(h, 'baseline', warmup, false);
  const phase: number[] = [];
  const baseline: number[] = [];
  const roundRatios: number[] = [];
  for (let round = 0; round < runs / batchSize; round++) {
    const order: Side[] = round % 2 === 0 ? ['phase', 'baseline'] : ['baseline', 'phase'];
    const got: Record<Side, number[]> = { phase: [], baseline: [] };
    for (const side of order) got[side] = await batch(h, side, batchSize);
    phase.push(...got.phase);
    baseline.push(...got.baseline);
    roundRatios.push(median(got.phase) / median(got.baseline));
  }
  const phaseMs = summarize(phase);
  const baselineMs = summarize(baseline);
  return {
    runsPerSide: runs,
    batchSize,
    phaseMs,
    baselineMs,
    ratio: summarize(roundRatios, 3).median,
    ratioOfMedians: round(median(phase) / median(baseline), 3),
    roundRatios: summarize(roundRatios, 3),
    history: { phase: await historyEvidence(h, 'phase'), baseline: await historyEvidence(h, 'baseline') },
  };
}

/** Results of the concurrent variant: many runs in flight, so CPU cost shows, not dispatch hops. */
export interface OverheadConcurrentResult {
  runsPerBatch: number;
  rounds: number;
  /** Wall time for a batch of runs started together to all finish (ms). */
  phaseBatchMs: Summary;
  baselineBatchMs: Summary;
  /** Median of the per-round ratios phase batch / baseline batch. */
  ratio: number;
  roundRatios: Summary;
}

async function concurrentBatch(h: Harness, side: Side, n: number): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: n }, () => runOnce(h, side)));
  return performance.now() - started;
}

/** Same DAG, `n` runs at once per batch, `rounds` batches per side, alternating order. */
export async function benchOverheadConcurrent(h: Harness, n = 25, rounds = 8): Promise<OverheadConcurrentResult> {
  await concurrentBatch(h, 'phase', n);
  await concurrentBatch(h, 'baseline', n);
  const got: Record<Side, number[]> = { phase: [], baseline: [] };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order: Side[] = r % 2 === 0 ? ['phase', 'baseline'] : ['baseline', 'phase'];
    for (const side of order) got[side].push(await concurrentBatch(h, side, n));
    ratios.push((got.phase[r] as number) / (got.baseline[r] as number));
  }
  return {
    runsPerBatch: n,
    rounds,
    phaseBatchMs: summarize(got.phase, 0),
    baselineBatchMs: summarize(got.baseline, 0),
    ratio: summarize(ratios, 3).median,
    roundRatios: summarize(ratios, 3),
  };
}
