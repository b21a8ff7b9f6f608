/**
 * API overhead on starts: runs started per second through `POST /api/runs` (the API process,
 * plan by bundled id) vs `startRun` in this process (the same `client.workflow.start` call with
 * the same options the API makes). Both start on a task queue no worker polls, so only the start
 * path is measured, not the runs. Batches alternate sides, order flipping every round.
 */
import { randomUUID } from 'node:crypto';
import { startRun } from '../../client/runs';
import { api, type Harness } from '../lib/harness';
import { startPlan } from '../lib/plans';
import { mapLimit, round, summarize, type Summary } from '../lib/stats';

/** Results of the API start section. */
export interface ApiStartResult {
  startsPerBatch: number;
  concurrency: number;
  /** Starts per second per batch. */
  apiPerSec: Summary;
  directPerSec: Summary;
  /** Median of the per-round ratios (adjacent API and direct batches, so load drift cancels). */
  ratio: number;
  /** median(api) / median(direct) over all batches. */
  ratioOfMedians: number;
  roundRatios: Summary;
  /** Latency of one start call at that concurrency (ms). */
  apiLatencyMs: Summary;
  directLatencyMs: Summary;
}

type Side = 'api' | 'direct';

async function batch(
  h: Harness,
  side: Side,
  n: number,
  concurrency: number,
): Promise<{ perSec: number; latencies: number[] }> {
  const plan = startPlan();
  const started = performance.now();
  const latencies = await mapLimit(
    Array.from({ length: n }, () => `bench-start-${randomUUID()}`),
    concurrency,
    async (runId) => {
      const t = performance.now();
      if (side === 'api') {
        const r = await api(h.api, 'POST', '/api/runs', { plan: plan.id, runId });
        if (r.status !== 201) throw new Error(`POST /api/runs answered ${r.status}: ${JSON.stringify(r.body)}`);
      } else {
        await startRun(h.client, plan, { taskQueue: h.sinkQueue, runId });
      }
      return performance.now() - t;
    },
  );
  return { perSec: n / ((performance.now() - started) / 1000), latencies };
}

/** Runs the section. */
export async function benchApiStart(h: Harness, rounds = 10, n = 100, concurrency = 10): Promise<ApiStartResult> {
  await batch(h, 'api', 50, concurrency);
  await batch(h, 'direct', 50, concurrency);
  const perSec: Record<Side, number[]> = { api: [], direct: [] };
  const latencies: Record<Side, number[]> = { api: [], direct: [] };
  const roundRatios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order: Side[] = r % 2 === 0 ? ['api', 'direct'] : ['direct', 'api'];
    const got: Partial<Record<Side, number>> = {};
    for (const side of order) {
      const b = await batch(h, side, n, concurrency);
      perSec[side].push(b.perSec);
      latencies[side].push(...b.latencies);
      got[side] = b.perSec;
    }
    roundRatios.push((got.api as number) / (got.direct as number));
  }
  const apiPerSec = summarize(perSec.api, 1);
  const directPerSec = summarize(perSec.direct, 1);
  return {
    startsPerBatch: n,
    concurrency,
    apiPerSec,
    directPerSec,
    ratio: summarize(roundRatios, 3).median,
    ratioOfMedians: round(summarize(perSec.api, 4).median / summarize(perSec.direct, 4).median, 3),
    roundRatios: summarize(roundRatios, 3),
    apiLatencyMs: summarize(latencies.api),
    directLatencyMs: summarize(latencies.direct),
  };
}
