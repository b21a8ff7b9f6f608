/**
 * Real processes for reliability tests: a worker process (`workers/main.ts`) that can be SIGKILLed,
 * free loopback ports, and the side-effect files crash tests count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { PhasePlan } from '../../workflows/plan/schema';

const ROOT = join(__dirname, '..', '..');

/** A worker running in its own process. */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no graceful shutdown, in-flight activities are lost. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

/** Starts `workers/main.ts` against `address` on `taskQueue`; resolves once it polls. */
export async function spawnWorker(
  address: string,
  taskQueue: string,
  extraEnv: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'workers', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  while (!out.includes('polling task queue')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Waits until `predicate` returns true, polling every 100ms. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The non-empty lines of a side-effect log file written by shell tasks; none when it is missing. */
export function fileLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

/**
 * A one-task plan for worker-crash tests: each attempt appends `start <n>`, runs 3 s, appends
 * `done <n>`; a 2 s heartbeat lets Temporal notice a killed worker quickly and retry elsewhere.
 */
export function crashingShellPlan(id: string, file: string): PhasePlan {
  return {
    id,
    steps: [
      {
        id: 'write',
        heartbeat: '2s',
        retry: { maximumAttempts: 3, initialInterval: '100ms' },
        run: {
          kind: 'shell',
          script: `echo "start $PHASEGATE_ATTEMPT" >> ${file}; sleep 3; echo "done $PHASEGATE_ATTEMPT" >> ${file}`,
        },
      },
    ],
  };
}
