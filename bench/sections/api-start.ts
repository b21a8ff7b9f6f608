/**
 * API overhead on starts: runs started per second through `POST /api/runs` (the API process,
 * plan by bundled id) vs `startRun` in this process (the same `client.workflow.start` call with
 * the same options the API makes). Both start on a task queue no worker polls, so only the start
 * path is measured, not the runs. Batches alternate sides, order flipping every round.
 */
import { randomUUID } from 'node:crypto';
import { startRun } from '../../client/runs';
import { cpuMsOf } from '../lib/proc';
import { api, type Harness } from '../lib/harness';
import { startPlan } from '../lib/plans';
import { mapLimit, round, summarize, type Summary } from '../lib/stats';

type Side = 'api' | 'direct';

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
  const cpu: Record<Side, Cpu> = { api: { bench: 0, api: 0, server: 0 }, direct: { bench: 0, api: 0, server: 0 } };
  for (let r = 0; r < rounds; r++) {
    const order: Side[] = r % 2 === 0 ? ['api', 'direct'] : ['direct', 'api'];
    const got: Partial<Record<Side, number>> = {};
    for (const side of order) {
      const before = cpuNow(h);
      const b = await batch(h, side, n, concurrency);
      const after = cpuNow(h);
      for (const k of ['bench', 'api', 'server'] as const) cpu[side][k] += after[k] - before[k];
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
    cpuMsPerStart: { api: perStart(h, cpu.api, rounds * n), direct: perStart(h, cpu.direct, rounds * n) },
  };
}
