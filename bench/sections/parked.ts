/**
 * Scale, parked runs: 1,000 runs wait at an approval gate on a worker running as its own process
 * (`workers/main.ts`, default settings), so its RSS is the worker's alone. With the SDK's default
 * cache size (derived from the heap limit) every parked run stays cached: the worst case for
 * memory and the best for latency. Then `GET /api/runs?awaitingApproval=true` is timed, and the
 * runs are terminated.
 */
import { randomUUID } from 'node:crypto';
import { startRun } from '../../client/runs';
import { spawnWorker } from '../../test/helpers/processes';
import { api, type Harness } from '../lib/harness';
import { parkedPlan } from '../lib/plans';
import { rssOf, type Rss } from '../lib/proc';
import { delay, mapLimit, round, summarize, type Summary } from '../lib/stats';

/** Results of the parked-runs section. */
export interface ParkedResult {
  runs: number;
  /** Worker RSS once every run is parked (MiB), and before any run started. */
  workerRss: Rss;
  workerIdleRss: Rss;
  /** Seconds to start all runs, and until all were parked (search attribute visible). */
  startSeconds: number;
  parkSeconds: number;
  /** `GET /api/runs?awaitingApproval=true`, default page size. */
  listMs: Summary;
  listPageSize: number;
  /** The same list asking for pageSize=1000 (every parked run in one page). */
  listFullPageMs: Summary;
  /** `GET /api/runs/:runId` (status query) of parked runs. */
  statusMs: Summary;
}

async function timeGet(base: string, path: string, n: number, check: (body: unknown) => void): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await api(base, 'GET', path);
    out.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}`);
    check(r.body);
  }
  return out;
}

/** Runs the section with `runs` parked runs. */
export async function benchParked(h: Harness, runs = 1000): Promise<ParkedResult> {
  const taskQueue = `bench-parked-${randomUUID()}`;
  const worker = await spawnWorker(h.env.address, taskQueue);
  const pid = worker.child.pid as number;
  try {
    await delay(2_000);
    const workerIdleRss = rssOf(pid);
    const plan = parkedPlan();
    const ids = Array.from({ length: runs }, (_, i) => `bench-parked-${i}-${randomUUID().slice(0, 8)}`);
    const t0 = performance.now();
    await mapLimit(ids, 20, (id) => startRun(h.client, plan, { taskQueue, runId: id }));
    const startSeconds = (performance.now() - t0) / 1000;
    const query = `PhasePlan = '${plan.id}' AND AwaitingApproval = true AND ExecutionStatus = 'Running'`;
    const deadline = Date.now() + 5 * 60_000;
    while ((await h.client.workflow.count(query)).count < runs) {
      if (Date.now() > deadline) throw new Error('runs did not all park within 5 minutes');
      await delay(250);
    }
    const parkSeconds = (performance.now() - t0) / 1000;
    // Let in-flight work (the last search attribute upserts, GC) settle before reading memory.
    await delay(3_000);
    const workerRss = rssOf(pid);

    const pageOk = (expected: number) => (body: unknown) => {
      const got = (body as { runs: unknown[] }).runs.length;
      if (got !== expected) throw new Error(`list returned ${got} runs, expected ${expected}`);
    };
    await timeGet(h.api, '/api/runs?awaitingApproval=true', 5, pageOk(50));
    const listMs = summarize(await timeGet(h.api, '/api/runs?awaitingApproval=true', 30, pageOk(50)));
    await timeGet(h.api, `/api/runs?awaitingApproval=true&pageSize=${runs}`, 2, pageOk(runs));
    const listFullPageMs = summarize(await timeGet(h.api, `/api/runs?awaitingApproval=true&pageSize=${runs}`, 10, pageOk(runs)));
    const sample = ids.filter((_, i) => i % Math.ceil(runs / 30) === 0);
    const statusMs: number[] = [];
    for (const id of sample) statusMs.push(...(await timeGet(h.api, `/api/runs/${id}`, 1, () => undefined)));

    await mapLimit(ids, 20, (id) => h.client.workflow.getHandle(id).terminate('benchmark cleanup'));
    return {
      runs,
      workerRss,
      workerIdleRss,
      startSeconds: round(startSeconds, 1),
      parkSeconds: round(parkSeconds, 1),
      listMs,
      listPageSize: 50,
      listFullPageMs,
      statusMs: summarize(statusMs),
    };
  } finally {
    await worker.stop();
  }
}
