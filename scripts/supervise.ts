/**
 * The children of `npm start` and how they are kept alive. Each child runs `detached` (its own
 * process group), so we can signal the whole group and decide the stop order ourselves.
 *
 * A supervised child (the worker, the API) that exits on its own is restarted with exponential
 * back-off (1 s, 2 s, 4 s … at most 30 s), and a line says why ("worker exited unexpectedly (signal
 * SIGKILL); restarting it in 1s"). One that ran a minute or more starts the back-off afresh; one
 * that crashes ten times in a row stops everything, because restarting is then not helping. An
 * unsupervised child (the Temporal dev server) that exits stops everything: without it nothing
 * works, and its data is safe on disk for the next `npm start`. POSIX only.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** First restart delay; doubled on each crash in a row. */
export const RESTART_BASE_MS = 1_000;
/** Longest restart delay. */
export const RESTART_MAX_MS = 30_000;
/** A child that ran this long before it crashed starts the back-off afresh. */
export const STABLE_AFTER_MS = 60_000;
/** Crashes in a row after which a child is given up on (and everything stops). */
export const MAX_CRASHES_IN_A_ROW = 10;

/** How to start a child again. */
export interface ChildSpec {
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Restart it when it exits on its own (else its exit stops everything). */
  supervised: boolean;
  /** For an unsupervised child: what its exit means, after "<name> exited unexpectedly (<how>): ". */
  whenItExits?: string;
  /** Receives its stdout and stderr (to prefix the lines). */
  pipe(proc: ChildProcess): void;
}

/** A child we started and must stop. `proc` changes when it is restarted. */
export interface Child {
  spec: ChildSpec;
  proc: ChildProcess;
  /** Resolves with how the current process ended (`code 1`, `signal SIGKILL`). */
  exited: Promise<string>;
  running: boolean;
  startedAt: number;
  crashesInARow: number;
  restarts: number;
  restartTimer?: NodeJS.Timeout | undefined;
}

/** What the supervisor tells its owner. */
export interface SuperviseHooks {
  log(line: string): void;
  logError(line: string): void;
  /** True once a shutdown started: exits are then expected. */
  stopping(): boolean;
  /** Stops everything with an exit code and a reason. */
  shutdown(code: number, reason: string): void;
}

function launch(child: Child, hooks: SuperviseHooks): void {
  const { spec } = child;
  const proc = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spec.pipe(proc);
  child.proc = proc;
  child.running = true;
  child.startedAt = Date.now();
  child.exited = new Promise((resolve) => {
    proc.once('error', (err) => {
      child.running = false;
      resolve(`failed to start: ${err.message}`);
    });
    proc.once('exit', (code, signal) => {
      child.running = false;
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    });
  });
  void child.exited.then((how) => onExit(child, how, hooks));
}

/** The back-off before restart number `crashesInARow` (1-based). */
export function restartDelay(crashesInARow: number): number {
  return Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.max(0, crashesInARow - 1));
}

function onExit(child: Child, how: string, hooks: SuperviseHooks): void {
  if (hooks.stopping()) return;
  const { name } = child.spec;
  if (!child.spec.supervised) {
    hooks.shutdown(1, `${name} exited unexpectedly (${how}): ${child.spec.whenItExits ?? 'stopping the rest'}`);
    return;
  }
  child.crashesInARow = Date.now() - child.startedAt >= STABLE_AFTER_MS ? 1 : child.crashesInARow + 1;
  if (child.crashesInARow > MAX_CRASHES_IN_A_ROW) {
    hooks.shutdown(
      1,
      `${name} exited unexpectedly (${how}) ${MAX_CRASHES_IN_A_ROW} times in a row; not restarting it again: stopping the rest`,
    );
    return;
  }
  const delay = restartDelay(child.crashesInARow);
  hooks.logError(
    `${name} exited unexpectedly (${how}); restarting it in ${delay / 1000}s (restart ${child.restarts + 1})`,
  );
  child.restartTimer = setTimeout(() => {
    child.restartTimer = undefined;
    if (hooks.stopping()) return;
    child.restarts++;
    launch(child, hooks);
    hooks.log(`${name} restarted (pid ${child.proc.pid ?? '?'})`);
  }, delay);
}

/** Starts a child (and, when supervised, keeps it running). */
export function startSupervised(spec: ChildSpec, hooks: SuperviseHooks): Child {
  const child = { spec, running: false, startedAt: 0, crashesInARow: 0, restarts: 0 } as unknown as Child;
  launch(child, hooks);
  return child;
}

/** Sends `signal` to the child's whole process group (falls back to the child alone). */
export function signalGroup(child: Child, signal: NodeJS.Signals): void {
  if (!child.running || child.proc.pid === undefined) return;
  try {
    process.kill(-child.proc.pid, signal);
  } catch {
    try {
      child.proc.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** No restart pending; SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: Child, graceMs: number, log: (line: string) => void): Promise<void> {
  if (child.restartTimer) clearTimeout(child.restartTimer);
  child.restartTimer = undefined;
  if (!child.running) return;
  log(`stopping ${child.spec.name} ...`);
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => {
    log(`${child.spec.name} still running after ${graceMs / 1000}s: killing it`);
    signalGroup(child, 'SIGKILL');
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
  // Whatever the child left behind in its group goes with it.
  signalGroup(child, 'SIGKILL');
}
