/**
 * Killing a whole process group, so nothing a shell task started outlives it (POSIX only).
 *
 * The shell executor spawns each command `detached`, which makes the child the leader of a new
 * process group whose id equals its pid; everything the command forks stays in that group unless
 * it deliberately moves itself out (`setsid`). Signalling `-pgid` reaches all of them at once.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Default wait between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 2_000;

const POLL_MS = 50;

// Groups of commands still running, killed if the worker process exits under them.
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Records group `pgid` as running until `untrack` is called. If the worker process exits first
 * (a crash, `process.exit`, an uncaught error), every tracked group is sent SIGKILL from an `exit`
 * hook, so commands do not outlive their worker; nothing can help if the worker itself is SIGKILLed.
 * Returns `untrack`.
 */
export function trackProcessGroup(pgid: number): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const g of liveGroups) {
        try {
          process.kill(-g, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  liveGroups.add(pgid);
  return () => liveGroups.delete(pgid);
}

/**
 * Sends `signal` to every process in group `pgid`. Returns false when the group no longer exists
 * (ESRCH); other errors (e.g. EPERM) are thrown.
 */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * True while group `pgid` has a member that is still running. On Linux this reads `/proc` and
 * ignores zombies — exited processes nobody has reaped yet (common in containers whose init does
 * not reap orphans), which can no longer do anything but would keep `kill(-pgid, 0)` succeeding.
 * Elsewhere it falls back to `kill(-pgid, 0)`.
 */
export function processGroupAlive(pgid: number): boolean {
  const live = liveMembersFromProc(pgid);
  if (live !== undefined) return live.length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Pids of the running (non-zombie) members of group `pgid`, from `/proc`; `undefined` where `/proc`
 * is not available.
 */
export function liveMembersFromProc(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const live: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') live.push(Number(entry));
  }
  return live;
}

/**
 * State letter and process group of `pid` from `/proc/<pid>/stat`; `undefined` when the process is
 * gone or `/proc` is unavailable. Exported for tests that check a pid is really dead.
 */
export function readProcStat(pid: number): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces or ')': split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const pgrp = Number(fields[2]);
  if (state === undefined || !Number.isFinite(pgrp)) return undefined;
  return { state, pgrp };
}

/**
 * Terminates group `pgid`: SIGTERM to all members, then, if any is still running after `graceMs`
 * (default {@link DEFAULT_KILL_GRACE_MS}), SIGKILL. Resolves once the group is gone (waiting at most
 * about a second after SIGKILL, which cannot be ignored). Never rejects: a group that has already vanished is fine, and
 * a failure to signal is reported on stderr rather than masking the attempt's own outcome.
 */
export async function terminateProcessGroup(pgid: number, graceMs = DEFAULT_KILL_GRACE_MS): Promise<void> {
  try {
    if (!signalProcessGroup(pgid, 'SIGTERM')) return;
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (!processGroupAlive(pgid)) {
        // Only zombies may be left: SIGKILL is harmless to them and covers the `kill(0)` fallback.
        signalProcessGroup(pgid, 'SIGKILL');
        return;
      }
    }
    if (!signalProcessGroup(pgid, 'SIGKILL')) return;
    // SIGKILL is delivered asynchronously; give the kernel a moment so callers see the group gone.
    const killDeadline = Date.now() + 1_000;
    while (processGroupAlive(pgid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, POLL_MS));
  } catch (err) {
    process.stderr.write(`phasegate: could not kill process group ${pgid}: ${(err as Error).message}\n`);
  }
}
