/**
 * Background processes that outlive `cluster:up`: started detached (own session, output to a log
 * file), remembered in a pid file, stopped by that pid only. Before signalling, the pid is checked
 * to still run the binary we started, so a pid reused after a reboot is never killed by mistake.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';

type Log = (msg: string) => void;

/** How a daemon is started and found again. */
export interface DaemonSpec {
  name: string;
  bin: string;
  args: readonly string[];
  cwd: string;
  pidFile: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True when `pid` is alive and runs `bin` (compared after resolving symlinks). */
function runs(pid: number, bin: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`) === realpathSync(bin);
  } catch {
    return false;
  }
}

/** The daemon's pid when its pid file names a live process running its binary. */
export function daemonPid(spec: Pick<DaemonSpec, 'pidFile' | 'bin'>): number | undefined {
  if (!existsSync(spec.pidFile)) return undefined;
  const pid = Number(readFileSync(spec.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && runs(pid, spec.bin) ? pid : undefined;
}

/** Starts the daemon unless it already runs; returns its pid. Output is appended to `logFile`. */
export function startDaemon(spec: DaemonSpec, log: Log): number {
  const running = daemonPid(spec);
  if (running) {
    log(`${spec.name} already running (pid ${running})`);
    return running;
  }
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const out = openSync(spec.logFile, 'a');
  try {
    // detached: its own session, so it survives this script and a Ctrl-C in the terminal that ran it.
    const child = spawn(spec.bin, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.bin})`);
    child.unref();
    writeFileSync(spec.pidFile, `${child.pid}\n`);
    log(`started ${spec.name} (pid ${child.pid}, log: ${spec.logFile})`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** Alive and not a zombie: in a container whose PID 1 does not reap, a dead daemon stays a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name (which may itself contain spaces).
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; waits until the process is gone and removes the pid file.
 * Idempotent: a daemon that is not running (or a stale pid file) only gets its pid file removed.
 */
export async function stopDaemon(
  spec: Pick<DaemonSpec, 'name' | 'pidFile' | 'bin'>,
  log: Log,
  graceMs = 30_000,
): Promise<void> {
  const pid = daemonPid(spec);
  if (pid) {
    const started = Date.now();
    process.kill(pid, 'SIGTERM');
    while (alive(pid) && Date.now() - started < graceMs) await sleep(200);
    if (alive(pid)) {
      log(`${spec.name} (pid ${pid}) still running after ${graceMs / 1000}s: SIGKILL`);
      process.kill(pid, 'SIGKILL');
      while (alive(pid)) await sleep(100);
    }
    log(`stopped ${spec.name} (pid ${pid}) in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  rmSync(spec.pidFile, { force: true });
}
