/**
 * Agents at swarm scale (issue 11), two parts on the shared harness:
 * 1. `agents` real `phase agent` processes of one agent name work through `tasks` agent tasks
 *    spread over a few runs; each task's command appends its lease to one log file, so a task
 *    run twice shows up as a duplicate. Reports tasks per second from the first start to
 *    the last run's end.
 * 2. `openRuns` runs each hold one open agent task; then `GET /api/agents/:agent/tasks` (first
 *    page) and `POST /api/agents/:agent/claim` are timed through the API process, one request at
 *    a time. Each claim leases a different run's task; the runs are terminated afterwards.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRun } from '../../client/runs';
import type { PhasePlan } from '../../workflows/plan/schema';
import { api, type Harness } from '../lib/harness';
import { delay, mapLimit, summarize, type Summary } from '../lib/stats';

const ROOT = join(__dirname, '..', '..');

/** Results of the swarm section. */
export interface SwarmResult {
  agents: number;
  tasks: number;
  /** Tasks whose command ran more than once (goal 0), and tasks whose command never ran. */
  duplicates: number;
  missing: number;
  tasksPerSecond: number;
  swarmSeconds: number;
  openRuns: number;
  /** `POST /api/agents/:agent/claim` with `openRuns` open runs, sequential. */
  claimMs: Summary;
  /** `GET /api/agents/:agent/tasks` (first page of `listPageSize` runs) with `openRuns` open runs. */
  listMs: Summary;
  listPageSize: number;
  /** Whether that page said there is more (`X-Next-Page-Token`). */
  listHasMore: boolean;
}

function agentPlan(id: string, agent: string, tasks: number): PhasePlan {
  return {
    id,
    steps: Array.from({ length: tasks }, (_, i) => ({
      id: `t${i}`,
      agent,
      run: { kind: 'agent' as const },
      retry: { maximumAttempts: 3, initialInterval: '100ms' },
    })),
  };
}

/** Part 1: `agents` processes over `tasks` tasks in `runs` runs. */
async function swarm(
  h: Harness,
  agents: number,
  tasks: number,
  runs: number,
): Promise<Pick<SwarmResult, 'agents' | 'tasks' | 'duplicates' | 'missing' | 'tasksPerSecond' | 'swarmSeconds'>> {
  const dir = mkdtempSync(join(tmpdir(), 'phasegate-bench-swarm-'));
  const log = join(dir, 'ran.log');
  const agent = `bench-swarm-${randomUUID().slice(0, 6)}`;
  const per = Math.ceil(tasks / runs);
  const t0 = performance.now();
  const handles = await Promise.all(
    Array.from({ length: runs }, (_, i) =>
      startRun(h.client, agentPlan(`bench-swarm-${i}`, agent, per), { taskQueue: h.taskQueue }),
    ),
  );
  // The command appends the lease (one JSON line on stdin) to one file; `sh` rather than `node` so
  // that the measurement is the lease protocol, not 400 Node start-ups.
  const command = ['sh', '-c', `cat >> '${log}'`];
  const procs = Array.from({ length: agents }, () =>
    spawn(
      process.execPath,
      [join(ROOT, 'bin', 'phase.js'), 'agent', agent, '--idle-timeout', '10s', '--wait', '2s', '--', ...command],
      {
        cwd: ROOT,
        env: { ...process.env, PHASEGATE_URL: h.api, PHASEGATE_TOKEN: '' },
        stdio: 'ignore',
      },
    ),
  );
  try {
    await Promise.all(handles.map((x) => x.result()));
    const swarmSeconds = (performance.now() - t0) / 1000;
    const lines = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
    const counts = new Map<string, number>();
    for (const l of lines) {
      const lease = JSON.parse(l) as { runId: string; stepId: string };
      const key = `${lease.runId}/${lease.stepId}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return {
      agents,
      tasks: per * runs,
      duplicates: [...counts.values()].filter((n) => n > 1).length,
      missing: per * runs - counts.size,
      tasksPerSecond: Math.round(((per * runs) / swarmSeconds) * 10) / 10,
      swarmSeconds: Math.round(swarmSeconds * 10) / 10,
    };
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Part 2: list and claim latency with `openRuns` open runs of one open agent task each. */
async function atScale(
  h: Harness,
  openRuns: number,
  claims: number,
): Promise<Pick<SwarmResult, 'openRuns' | 'claimMs' | 'listMs' | 'listPageSize' | 'listHasMore'>> {
  const agent = `bench-open-${randomUUID().slice(0, 6)}`;
  const plan = agentPlan('bench-open', agent, 1);
  const ids = Array.from({ length: openRuns }, (_, i) => `bench-open-${i}-${randomUUID().slice(0, 8)}`);
  await mapLimit(ids, 20, (id) => startRun(h.client, plan, { taskQueue: h.taskQueue, runId: id }));
  const query = `AgentIndex = 'claimable:${agent}' AND ExecutionStatus = 'Running'`;
  const deadline = Date.now() + 5 * 60_000;
  while ((await h.client.workflow.count(query)).count < openRuns) {
    if (Date.now() > deadline) throw new Error('agent tasks did not all open within 5 minutes');
    await delay(250);
  }
  await delay(2_000);
  try {
    const listPageSize = 100;
    const list: number[] = [];
    let listHasMore = false;
    for (let i = 0; i < 25; i++) {
      const t = performance.now();
      const res = await fetch(`${h.api}/api/agents/${agent}/tasks`);
      const body = (await res.json()) as unknown[];
      if (i >= 5) list.push(performance.now() - t); // the first few warm the API's caches
      if (res.status !== 200 || body.length !== listPageSize)
        throw new Error(`list answered ${res.status} with ${body.length} tasks`);
      listHasMore = res.headers.get('x-next-page-token') !== null;
    }
    const claim: number[] = [];
    for (let i = 0; i < claims; i++) {
      const t = performance.now();
      const r = await api(h.api, 'POST', `/api/agents/${agent}/claim`, { label: 'bench/1' });
      claim.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`claim answered ${r.status}: ${JSON.stringify(r.body)}`);
    }
    return { openRuns, claimMs: summarize(claim), listMs: summarize(list), listPageSize, listHasMore };
  } finally {
    await mapLimit(ids, 20, (id) =>
      h.client.workflow
        .getHandle(id)
        .terminate('bench done')
        .catch(() => undefined),
    );
  }
}

/** Runs both parts: 8 agents over 400 tasks, then 1,000 open runs. */
export async function benchSwarm(
  h: Harness,
  opts = { agents: 8, tasks: 400, runs: 4, openRuns: 1000, claims: 200 },
): Promise<SwarmResult> {
  const part1 = await swarm(h, opts.agents, opts.tasks, opts.runs);
  const part2 = await atScale(h, opts.openRuns, opts.claims);
  return { ...part1, ...part2 };
}
