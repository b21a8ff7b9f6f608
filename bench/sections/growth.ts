/**
 * Growth: how the engine's costs grow with the plan (10, 100, 500, 1,000 and 2,000 steps: seconds,
 * history events, replay seconds, status bytes) and with parked runs (worker RSS at 100, 1,000 and
 * 5,000), each beside the bare-Temporal baseline. The 2,000-step row and the parked rows come from
 * the big-plan and parked sections (measured once); the rest is measured here.
 */
import type { Harness } from '../lib/harness';
import type { BigPlanResult, PlanSizeResult } from './big-plan';
import { measurePlan } from './big-plan';
import type { ParkedResult } from './parked';

/** One plan size. */
export interface GrowthPlanRow {
  steps: number;
  seconds: number;
  baselineSeconds: number;
  historyEvents: number;
  baselineHistoryEvents: number;
  replaySeconds: number;
  baselineReplaySeconds: number;
  /** The whole status (the `status` query, the workflow result). The baseline keeps none. */
  wholeStatusBytes: number;
  /** `GET /api/runs/:runId`: whole up to 500 steps, then the first page. */
  apiStatusBytes: number;
}

/** One parked count. */
export interface GrowthParkedRow {
  runs: number;
  workerRssMiB: number;
  baselineRssMiB: number | null;
  /** Runs the baseline had parked when measured: fewer than `runs` when its budget ran out. */
  baselineRuns?: number;
}

/** The growth tables. */
export interface GrowthResult {
  plans: GrowthPlanRow[];
  parked: GrowthParkedRow[];
}

/** Plan sizes measured here, as chains × length (the 2,000-step row is the big-plan section's). */
const SIZES: [number, number][] = [
  [2, 5],
  [20, 5],
  [20, 25],
  [20, 50],
];

function row(r: PlanSizeResult): GrowthPlanRow {
  return {
    steps: r.steps,
    seconds: r.seconds,
    baselineSeconds: r.baseline.seconds,
    historyEvents: r.historyEvents,
    baselineHistoryEvents: r.baseline.historyEvents,
    replaySeconds: r.replaySeconds,
    baselineReplaySeconds: r.baseline.replaySeconds,
    wholeStatusBytes: r.wholeStatusBytes,
    apiStatusBytes: r.api.firstBytes,
  };
}

/** Measures the smaller plans and assembles the tables. */
export async function benchGrowth(
  h: Harness,
  big: BigPlanResult | undefined,
  parked: ParkedResult | undefined,
): Promise<GrowthResult> {
  const plans: GrowthPlanRow[] = [];
  for (const [chains, length] of SIZES) plans.push(row(await measurePlan(h, chains, length)));
  if (big) plans.push(row(big));
  const parkedRows = (parked?.stages ?? []).map((s, i) => {
    const base = parked?.baselineStages[i];
    return {
      runs: s.runs,
      workerRssMiB: s.rss.rssMiB,
      baselineRssMiB: base?.rss.rssMiB ?? null,
      ...(base ? { baselineRuns: base.runs } : {}),
    };
  });
  return { plans, parked: parkedRows };
}
