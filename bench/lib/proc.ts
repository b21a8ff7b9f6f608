/** Memory of another process, read from `/proc/<pid>/status` (Linux), and the bench's worker processes. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Resident set size now and at its peak, in MiB. */
export interface Rss {
  rssMiB: number;
  peakMiB: number;
}

function field(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!m) throw new Error(`no ${name} in /proc status`);
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}

/** VmRSS and VmHWM of `pid`. */
export function rssOf(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssMiB: field(status, 'VmRSS'), peakMiB: field(status, 'VmHWM') };
}

/** A worker process started by {@link spawnBenchWorker}. */
export interface BenchWorker {
  pid: number;
  stop(): Promise<void>;
}

/** Starts `bench/lib/worker-process.ts` on `taskQueue`; resolves once it polls. */
export async function spawnBenchWorker(
  address: string,
  taskQueue: string,
  env: Record<string, string> = {},
): Promise<BenchWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'worker-process.ts')], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: taskQueue, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 120_000;
  while (!out.includes('polling task queue')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`bench worker did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ: 100 on every Linux the bench runs on). */
const USER_HZ = 100;

/** CPU time `pid` has used so far (user + system), in ms; from `/proc/<pid>/stat`. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** The pid of the dev server listening on `port` (a `temporal server start-dev --port <port>` process), if any. */
export function devServerPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const at = args.indexOf('--port');
    if (args.includes('start-dev') && at >= 0 && args[at + 1] === String(port)) return Number(entry);
  }
  return undefined;
}
