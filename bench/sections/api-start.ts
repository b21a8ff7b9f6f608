/**
 * API overhead on starts: runs started per second through `POST /api/runs` (the API process,
 * plan by bundled id) vs `startRun` in this process (the same `client.workflow.start` call with
 * the same options the API makes), and through `POST /api/runs/batch` (many starts per request).
 * All start on a task queue no worker polls, so only the start path is measured, not the runs.
 * Batches rotate sides, order changing every round.
 */
import { randomUUID } from 'node:crypto';
import { startRun, type RunnablePlan } from '../../client/runs';
import { cpuMsOf } from '../lib/proc';
import { api, type Harness } from '../lib/harness';
import { startPlan } from '../lib/plans';
import { mapLimit, round, summarize, type Summary } from '../lib/stats';

type Side = 'api' | 'direct' | 'batch';
const SIDES: readonly Side[] = ['api', 'direct', 'batch'];

/**
 * Runs per `POST /api/runs/batch` request on the batch side. One request is in flight at a time
 * and the API starts at most 10 of its runs at once, the concurrency of the other two sides.
 */
export const RUNS_PER_BATCH_REQUEST = 50;

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
  /**
   * CPU time per start (ms) of each process on each side, over the measured batches: where the API
   * hop's cost goes. `bench` is this process (HTTP client, or gRPC client), `api` the API process,
   * `server` the dev server (absent when not found, e.g. on the cluster).
   */
  cpuMsPerStart: Record<Side, CpuPerStart>;
  /** The batch route's side: starts per second and its per-round ratio to the direct side. */
  batch: BatchSideResult;
}

/** The `POST /api/runs/batch` side of the section. */
export interface BatchSideResult {
  runsPerRequest: number;
  perSec: Summary;
  /** Median of the per-round ratios batch / direct (`apiStartBatchRatio`). */
  ratio: number;
  roundRatios: Summary;
  /** Latency of one batch request (ms). */
  requestMs: Summary;
}

/** CPU ms per start, by process. */
export interface CpuPerStart {
  bench: number;
  api: number;
  server?: number;
  total: number;
}

type Cpu = { bench: number; api: number; server: number };

function cpuNow(h: Harness): Cpu {
  const self = process.cpuUsage();
  return {
    bench: (self.user + self.system) / 1000,
    api: cpuMsOf(h.apiPid),
    server: h.serverPid === undefined ? 0 : cpuMsOf(h.serverPid),
  };
}

function perStart(h: Harness, used: Cpu, starts: number): CpuPerStart {
  const bench = round(used.bench / starts, 2);
  const api = round(used.api / starts, 2);
  const server = h.serverPid === undefined ? undefined : round(used.server / starts, 2);
  return { bench, api, ...(server === undefined ? {} : { server }), total: round(bench + api + (server ?? 0), 2) };
}

/** One start through the API's single route (`api`) or `startRun` on this process's client (`direct`). */
async function startOne(h: Harness, side: 'api' | 'direct', plan: RunnablePlan, runId: string): Promise<void> {
  if (side === 'direct') {
    await startRun(h.client, plan, { taskQueue: h.sinkQueue, runId });
    return;
  }
  const r = await api(h.api, 'POST', '/api/runs', { plan: plan.id, runId });
  if (r.status !== 201) throw new Error(`POST /api/runs answered ${r.status}: ${JSON.stringify(r.body)}`);
}

interface BatchAnswer {
  results: { status: number; error?: string }[];
  started: number;
}

/** `n` starts in requests of {@link RUNS_PER_BATCH_REQUEST} runs, one request at a time. */
async function batchRequests(h: Harness, planId: string, ids: string[]): Promise<number[]> {
  const latencies: number[] = [];
  for (let at = 0; at < ids.length; at += RUNS_PER_BATCH_REQUEST) {
    const runs = ids.slice(at, at + RUNS_PER_BATCH_REQUEST).map((runId) => ({ plan: planId, runId }));
    const t = performance.now();
    const r = await api<BatchAnswer>(h.api, 'POST', '/api/runs/batch', { runs });
    if (r.status !== 200 || r.body.started !== runs.length)
      throw new Error(`POST /api/runs/batch answered ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`);
    latencies.push(performance.now() - t);
  }
  return latencies;
}

async function batch(
  h: Harness,
  side: Side,
  n: number,
  concurrency: number,
): Promise<{ perSec: number; latencies: number[] }> {
  const plan = startPlan();
  const ids = Array.from({ length: n }, () => `bench-start-${randomUUID()}`);
  const started = performance.now();
  const latencies =
    side === 'batch'
      ? await batchRequests(h, plan.id, ids)
      : await mapLimit(ids, concurrency, async (runId) => {
          const t = performance.now();
          await startOne(h, side, plan, runId);
          return performance.now() - t;
        });
  return { perSec: n / ((performance.now() - started) / 1000), latencies };
}

/** The sides in round `r`'s order: each side leads and trails in turn, so load drift cancels. */
function orderOf(r: number): Side[] {
  const k = r % SIDES.length;
  const rotated = [...SIDES.slice(k), ...SIDES.slice(0, k)];
  return Math.floor(r / SIDES.length) % 2 === 0 ? rotated : rotated.reverse();
}

type Samples = Record<Side, number[]>;
const emptySamples = (): Samples => ({ api: [], direct: [], batch: [] });
const zeroCpu = (): Cpu => ({ bench: 0, api: 0, server: 0 });

/** Runs the section. */
export async function benchApiStart(h: Harness, rounds = 10, n = 100, concurrency = 10): Promise<ApiStartResult> {
  for (const side of SIDES) await batch(h, side, 50, concurrency); // warm-up
  const perSec = emptySamples();
  const latencies = emptySamples();
  const ratios = { api: [] as number[], batch: [] as number[] };
  const cpu: Record<Side, Cpu> = { api: zeroCpu(), direct: zeroCpu(), batch: zeroCpu() };
  for (let r = 0; r < rounds; r++) {
    const got: Partial<Record<Side, number>> = {};
    for (const side of orderOf(r)) {
      const before = cpuNow(h);
      const b = await batch(h, side, n, concurrency);
      const after = cpuNow(h);
      for (const k of ['bench', 'api', 'server'] as const) cpu[side][k] += after[k] - before[k];
      perSec[side].push(b.perSec);
      latencies[side].push(...b.latencies);
      got[side] = b.perSec;
    }
    ratios.api.push((got.api as number) / (got.direct as number));
    ratios.batch.push((got.batch as number) / (got.direct as number));
  }
  return {
    startsPerBatch: n,
    concurrency,
    apiPerSec: summarize(perSec.api, 1),
    directPerSec: summarize(perSec.direct, 1),
    ratio: summarize(ratios.api, 3).median,
    ratioOfMedians: round(summarize(perSec.api, 4).median / summarize(perSec.direct, 4).median, 3),
    roundRatios: summarize(ratios.api, 3),
    apiLatencyMs: summarize(latencies.api),
    directLatencyMs: summarize(latencies.direct),
    cpuMsPerStart: {
      api: perStart(h, cpu.api, rounds * n),
      direct: perStart(h, cpu.direct, rounds * n),
      batch: perStart(h, cpu.batch, rounds * n),
    },
    batch: {
      runsPerRequest: RUNS_PER_BATCH_REQUEST,
      perSec: summarize(perSec.batch, 1),
      ratio: summarize(ratios.batch, 3).median,
      roundRatios: summarize(ratios.batch, 3),
      requestMs: summarize(latencies.batch),
    },
  };
}
