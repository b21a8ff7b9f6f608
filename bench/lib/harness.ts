/**
 * What every section shares: one Temporal dev server (the test environment's, with Phasegate's
 * search attributes), one in-process worker whose bundle also holds the baseline workflow, and
 * the real API server (`client/api/server.ts`) in its own process, as it is deployed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DEV_SERVER_ARGS } from '../../config/server-settings';
import { createPhaseWorker } from '../../workers/worker';
import { createTestEnv } from '../../test/helpers/temporal';
import { freePort } from '../../test/helpers/processes';
import type { PhasePlan } from '../../workflows/plan/schema';
import { devServerPid } from './proc';
import { delay } from './stats';

const ROOT = join(__dirname, '..', '..');

/** The shared benchmark environment. */
export interface Harness {
  env: TestWorkflowEnvironment;
  client: Client;
  /** Task queue of the in-process worker (phase and baseline workflows). */
  taskQueue: string;
  /** A task queue no worker polls: runs started there only cost the start itself. */
  sinkQueue: string;
  /** Base URL of the API process, e.g. http://127.0.0.1:41234. */
  api: string;
  /** The API process's pid (for its CPU time). */
  apiPid: number;
  /** The dev server's pid, when the harness started one and found it (for its CPU time). */
  serverPid: number | undefined;
  /** The worker's workflow bundle (phase, program and baseline), for replays. */
  workflowBundle: WorkflowBundleWithSourceMap;
  /** Ends everything this harness started. */
  close(): Promise<void>;
}

/**
 * The API's rate limit during the bench: far above what the bench sends, so the limiter's cost is
 * measured but it never refuses (the default, 1,200 per 10 s, would turn the start burst into 429s).
 */
const BENCH_RATE_LIMIT = '1000000/10s';

/**
 * Starts the API server process (`nodeArgs` before its script, e.g. `--cpu-prof`); resolves once
 * `/healthz` answers 200. Throws when it exits or is not healthy within a minute.
 */
export async function startApi(
  address: string,
  taskQueue: string,
  plansDir: string,
  nodeArgs: string[] = [],
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  // BENCH_API_PROFILE=<dir> writes a V8 CPU profile of the API process there (for evidence).
  const profile = process.env.BENCH_API_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_PROFILE}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, ...nodeArgs, '--import', 'tsx', join(ROOT, 'client', 'api', 'server.ts')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        PORT: String(port),
        HOST: '127.0.0.1',
        PHASEGATE_PLANS_DIR: plansDir,
        PHASEGATE_TOKENS: '',
        PHASEGATE_RATE_LIMIT: BENCH_RATE_LIMIT,
      },
      // Request logs go nowhere (a deployment ships them somewhere just as cheap); errors are kept.
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let errors = '';
  child.stderr?.on('data', (c: Buffer) => (errors += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}:\n${errors}`);
    if (Date.now() > deadline) throw new Error(`API did not become healthy:\n${errors}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return { url, child };
    } catch {
      // not listening yet
    }
    await delay(200);
  }
}

/** Where the harness's Temporal comes from. */
export interface HarnessOptions {
  /** An already running Temporal (e.g. the PostgreSQL cluster) instead of a fresh dev server. */
  address?: string;
}

/** Starts the dev server (or uses `opts.address`), the worker and the API; `plans` become the API's bundled plans. */
export async function createHarness(plans: PhasePlan[], opts: HarnessOptions = {}): Promise<Harness> {
  // The dev server as `npm start` runs it (eager activities); BENCH_DEV_SERVER_ARGS=none measures without.
  const devArgs = process.env.BENCH_DEV_SERVER_ARGS === 'none' ? [] : [...DEV_SERVER_ARGS];
  const env = opts.address
    ? await TestWorkflowEnvironment.createFromExistingServer({ address: opts.address, namespace: 'default' })
    : await createTestEnv(devArgs);
  const taskQueue = `bench-${randomUUID()}`;
  const sinkQueue = `bench-sink-${randomUUID()}`;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const worker: Worker = await createPhaseWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle,
  });
  const running = worker.run();
  const plansDir = mkdtempSync(join(tmpdir(), 'phasegate-bench-plans-'));
  for (const plan of plans) writeFileSync(join(plansDir, `${plan.id}.json`), JSON.stringify(plan));
  const api = await startApi(env.address, sinkQueue, plansDir);
  return {
    env,
    client: env.client,
    taskQueue,
    sinkQueue,
    api: api.url,
    apiPid: api.child.pid as number,
    serverPid: opts.address ? undefined : devServerPid(Number(env.address.split(':').pop())),
    workflowBundle,
    async close() {
      api.child.kill('SIGTERM');
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await env.teardown();
      rmSync(plansDir, { recursive: true, force: true });
    },
  };
}

/** A JSON HTTP call to the API; returns status and parsed body. */
export async function api<T = unknown>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Approver "a" votes go on gate `approve` of `runId` (the bench plans' gate) through the API. */
export function voteGo(base: string, runId: string): Promise<{ status: number; body: unknown }> {
  return api(base, 'POST', `/api/runs/${runId}/decisions`, { gate: 'approve', decision: 'go', approver: 'a' });
}
