/**
 * Scale, parked runs: runs wait at an approval gate on a worker process of their own (the deployed
 * settings: a workflow cache of `PHASEGATE_WORKER_CACHED_RUNS`, default 1,000), in stages of
 * 100, 1,000 and 5,000 runs, its RSS read at each stage; then the same stages with the bare-Temporal
 * baseline (one activity, then wait for a signal) on an identical process. With 5,000 parked:
 * `GET /api/runs?awaitingApproval=true` is timed, and decisions are sent to the runs parked first
 * (long evicted from the cache: each decision replays the run) and, for comparison, to the last
 * ones (still cached). A stage that does not park within its time budget ends that side there, and
 * the result says so.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { startRun } from '../../client/runs';
import { api, voteGo, type Harness } from '../lib/harness';
import { parkedPlan } from '../lib/plans';
import { rssOf, spawnBenchWorker, type Rss } from '../lib/proc';
import { delay, mapLimit, round, summarize, type Summary } from '../lib/stats';

/** Worker memory with `runs` parked. */
export interface ParkedStage {
  runs: number;
  rss: Rss;
  /** Seconds from the stage's first start until all its runs were parked. */
  parkSeconds: number;
}

/** Results of the parked-runs section. */
export interface ParkedResult {
  /** Parked runs at the last stage reached (the goal names 5,000). */
  runs: number;
  cachedRuns: number;
  workerIdleRss: Rss;
  stages: ParkedStage[];
  baselineIdleRss: Rss;
  baselineStages: ParkedStage[];
  /** Set when a stage ran out of time. */
  stoppedEarly: string | null;
  /** `GET /api/runs?awaitingApproval=true`, default page size (50), with `runs` parked. */
  listMs: Summary;
  listPageSize: number;
  /** The same list with pageSize=200 (the largest page). */
  listFullPageMs: Summary;
  /** `POST /decisions` round trip on runs evicted from the worker cache, and on cached ones. */
  evictedDecisionMs: Summary;
  cachedDecisionMs: Summary;
}

const STAGES = [100, 1000, 5000];
/** Runs started at once; the next chunk starts when these have parked (or after the grace time). */
const CHUNK = 500;
const CHUNK_GRACE_MS = 90_000;

async function timeGet(base: string, path: string, n: number, expected: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await api<{ runs: unknown[] }>(base, 'GET', path);
    out.push(performance.now() - t);
    if (r.status !== 200 || r.body.runs.length < expected)
      throw new Error(
        `GET ${path} answered ${r.status} with ${r.body.runs?.length} runs, expected at least ${expected}`,
      );
  }
  return out;
}

async function waitCount(client: Client, query: string, n: number, deadline: number): Promise<boolean> {
  while ((await client.workflow.count(query)).count < n) {
    if (Date.now() > deadline) return false;
    await delay(500);
  }
  return true;
}

/** Waits until each of `ids` has run its activity and gone back to waiting (10 history events). */
async function settled(client: Client, ids: string[], deadline: number): Promise<void> {
  for (const id of ids) {
    while ((await client.workflow.getHandle(id).describe()).historyLength < 10 && Date.now() < deadline)
      await delay(250);
  }
}

/** Parks runs stage by stage on a fresh worker process; `start` starts one run with the given id. */
async function parkStages(
  h: Harness,
  side: 'phase' | 'baseline',
  budgetMs: number,
  ids: string[],
): Promise<{
  idle: Rss;
  stages: ParkedStage[];
  query: string;
  stopped: string | null;
  pid: number;
  stop: () => Promise<void>;
}> {
  const taskQueue = `bench-parked-${side}-${randomUUID()}`;
  const worker = await spawnBenchWorker(h.env.address, taskQueue);
  await delay(2_000);
  const idle = rssOf(worker.pid);
  const stages: ParkedStage[] = [];
  const plan = parkedPlan();
  // Parked = visible in visibility: the phase sets AwaitingApproval; the baseline has no search
  // attributes, so its runs count once their one activity completed (history length settles).
  const query =
    side === 'phase'
      ? `PhasePlan = '${plan.id}' AND AwaitingApproval = true AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`
      : `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
  const sectionDeadline = Date.now() + budgetMs;
  const startOne = (id: string) =>
    side === 'phase'
      ? startRun(h.client, plan, { taskQueue, runId: id })
      : h.client.workflow.start('baselineParkedWorkflow', { taskQueue, workflowId: id });
  let started = 0;
  for (const target of STAGES) {
    const t0 = performance.now();
    // Chunks park before the next one starts, so when time runs out no backlog is left to skew
    // the memory reading or the decisions that follow.
    while (started < target && Date.now() < sectionDeadline) {
      const next = Math.min(target, started + CHUNK);
      await mapLimit(ids.slice(started, next), 20, startOne);
      started = next;
      await waitCount(h.client, query, started, Date.now() + CHUNK_GRACE_MS);
      if (side === 'baseline')
        await settled(h.client, ids.slice(Math.max(0, started - 20), started), Date.now() + CHUNK_GRACE_MS);
    }
    const got = Math.min(started, (await h.client.workflow.count(query)).count);
    await delay(3_000); // let the last tasks and GC settle before reading memory
    stages.push({ runs: got, rss: rssOf(worker.pid), parkSeconds: round((performance.now() - t0) / 1000, 1) });
    process.stderr.write(
      `[bench]   ${side}: ${got} parked (+${stages[stages.length - 1]?.parkSeconds} s), worker RSS ${stages[stages.length - 1]?.rss.rssMiB} MiB\n`,
    );
    if (got < target)
      return {
        idle,
        stages,
        query,
        stopped: `${side}: ${got} of ${target} runs parked within the ${Math.round(budgetMs / 1000)} s budget`,
        pid: worker.pid,
        stop: () => worker.stop(),
      };
  }
  return { idle, stages, query, stopped: null, pid: worker.pid, stop: () => worker.stop() };
}

async function decide(h: Harness, ids: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const id of ids) {
    const t = performance.now();
    const r = await voteGo(h.api, id);
    out.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`decision on ${id} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  return out;
}

/**
 * Runs the section; each side gets a budget to park its runs in, a cap rather than a wait (5,000
 * runs parked in ≈ 185 s at load 2.3), so the whole bench stays under 15 minutes.
 */
export async function benchParked(
  h: Harness,
  budgetMs = 240_000,
  baselineBudgetMs = 120_000,
  cachedRuns = 1000,
): Promise<ParkedResult> {
  const last = STAGES[STAGES.length - 1] as number;
  const ids = Array.from({ length: last }, (_, i) => `bench-parked-${i}-${randomUUID().slice(0, 8)}`);
  const phase = await parkStages(h, 'phase', budgetMs, ids);
  const parked = phase.stages[phase.stages.length - 1]?.runs ?? 0;
  let listMs: number[] = [];
  let listFullPageMs: number[] = [];
  let evicted: number[] = [];
  let cached: number[] = [];
  try {
    if (parked > 0) {
      const q = '/api/runs?awaitingApproval=true&plan=bench-parked';
      await timeGet(h.api, q, 5, Math.min(50, parked));
      listMs = await timeGet(h.api, q, 30, Math.min(50, parked));
      listFullPageMs = await timeGet(h.api, `${q}&pageSize=200`, 10, Math.min(200, parked));
      // The first runs parked have been idle longest: with more runs than the cache holds, evicted.
      evicted = parked > cachedRuns ? await decide(h, ids.slice(0, 30)) : [];
      // The runs parked last (visibility lists newest first) are the ones still cached.
      const recent: string[] = [];
      for await (const w of h.client.workflow.list({ query: phase.query, pageSize: 30 }))
        if (recent.push(w.workflowId) >= 30) break;
      cached = await decide(h, recent);
    }
  } finally {
    // The runs are left parked: with their worker gone they cost the throw-away dev server nothing,
    // and terminating 5,000 runs one by one took a minute of a 15-minute budget.
    await phase.stop();
  }
  const baseIds = ids.map((id) => id.replace('bench-parked-', 'bench-parked-base-'));
  const base = await parkStages(h, 'baseline', baselineBudgetMs, baseIds);
  await base.stop();
  return {
    runs: parked,
    cachedRuns,
    workerIdleRss: phase.idle,
    stages: phase.stages,
    baselineIdleRss: base.idle,
    baselineStages: base.stages,
    stoppedEarly: [phase.stopped, base.stopped].filter(Boolean).join('; ') || null,
    listMs: summarize(listMs),
    listPageSize: 50,
    listFullPageMs: summarize(listFullPageMs),
    evictedDecisionMs: summarize(evicted),
    cachedDecisionMs: summarize(cached),
  };
}
