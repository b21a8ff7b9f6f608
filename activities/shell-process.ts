/**
 * The process side of one `shell` attempt: spawning the command as the leader of its own process
 * group under a dead-man's switch, capturing its output, heartbeating while it runs, killing the
 * group on timeout or cancellation, and reaping what it leaves running when it exits. POSIX only.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Context } from '@temporalio/activity';
import type { MetricValue } from '../workflows/status';
import { parseMetricLine, setMetric } from './metrics';
import { processGroupAlive, terminateProcessGroup, trackProcessGroup } from './process-group';
import { LineSplitter, METRIC_WINDOW_BYTES, TailBuffer } from './shell-output';

/** How often a running command heartbeats (the worker throttles heartbeats to 1s anyway). */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/** How long to wait after SIGTERM before SIGKILL when a process group is killed. */
export const KILL_GRACE_MS = 2_000;

/**
 * The name bash gives the guard in its own error messages (`$0`): a stderr line
 * `phasegate-guard: … exec: …` means bash's `exec` could not start the program.
 */
export const GUARD_NAME = 'phasegate-guard';

// After the leader exits, how long its output pipes may take to drain before leftovers are killed.
const DRAIN_MS = 200;
/**
 * A dead-man's switch around every command: a background `cat` holds the worker's end of a stdin
 * pipe; when the worker dies (even by SIGKILL) the pipe closes and the guard kills the whole process
 * group, so a crashed worker leaves no orphans running a task whose attempt will be retried
 * elsewhere. The command itself gets /dev/null as stdin. `$0` names the guard in bash's errors.
 */
const GUARD_SCRIPT =
  'exec 3<&0; { cat <&3 >/dev/null 2>&1; kill -KILL 0; } >/dev/null 2>&1 & exec "$@" 3<&- </dev/null';

/** What to run and where: the program and its arguments, resolved `cwd` and environment, timeout. */
export interface ShellLaunch {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Kill the group after this long; no limit of its own when undefined. */
  timeoutMs: number | undefined;
}

/** How the command's process ended: an exit code or signal, or the error that kept it from starting. */
export type ShellExit = { code: number | null; signal: NodeJS.Signals | null } | { spawnError: NodeJS.ErrnoException };

/** Why we killed the process group ourselves, if we did. */
export type StopReason = 'timeout' | 'cancelled';

/** Everything one attempt's process left behind, for the executor to turn into a result or a failure. */
export interface ShellRun {
  outcome: ShellExit;
  /** Set when our timeout or the activity's cancellation killed the group. */
  stopReason: StopReason | undefined;
  /** The last {@link METRIC_WINDOW_BYTES} of each stream. */
  stdout: TailBuffer;
  stderr: TailBuffer;
  /** Metrics read from `::metric` lines of stdout as they streamed. */
  lineMetrics: Record<string, MetricValue>;
}

type GuardedChild = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Runs the command to its end and returns how it ended with its captured output. Heartbeats
 * (`{ pid, elapsedMs }`) every {@link HEARTBEAT_INTERVAL_MS}; on timeout or cancellation the group
 * gets SIGTERM, then SIGKILL after {@link KILL_GRACE_MS}. Never throws for the command's own
 * failures: a spawn error is reported in `outcome`.
 */
export async function runGuarded(launch: ShellLaunch, ctx: Context, started: number): Promise<ShellRun> {
  const child = spawnGuarded(launch);
  const pid = child.pid;
  const untrack = pid !== undefined ? trackProcessGroup(pid) : () => undefined;
  const output = captureOutput(child);
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const watch = new AttemptWatch(pid, launch.timeoutMs, ctx, started);
  let outcome: ShellExit;
  try {
    outcome = await exitOf(child);
    const termination = watch.markExited();
    // Closing the guard's pipe kills whatever the command left running in its group.
    child.stdin.end();
    await termination;
    if (pid !== undefined && !('spawnError' in outcome)) await reapLeftovers(child, pid, closed);
  } finally {
    untrack();
    watch.dispose();
  }
  output.metricLines.end();
  const { stdout, stderr, lineMetrics } = output;
  return { outcome, stopReason: watch.stopReason, stdout, stderr, lineMetrics };
}

/** Starts the guard, which `exec`s the command; the child leads a new process group (pgid = pid). */
function spawnGuarded(launch: ShellLaunch): GuardedChild {
  // detached: the child leads a new process group (pgid = pid) that we can signal as a whole.
  const child = spawn('bash', ['-c', GUARD_SCRIPT, GUARD_NAME, launch.file, ...launch.args], {
    cwd: launch.cwd,
    env: launch.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // The guard may already be gone (group killed): writing nothing, we only care that it closes.
  child.stdin.on('error', () => undefined);
  return child;
}

/** The child's streams, as they are being captured. */
interface CapturedOutput {
  stdout: TailBuffer;
  stderr: TailBuffer;
  lineMetrics: Record<string, MetricValue>;
  /** Still holds stdout's last line when it lacks a newline: `end()` it once the pipes closed. */
  metricLines: LineSplitter;
}

/** Keeps the tails of both streams and reads `::metric` lines from stdout as it streams. */
function captureOutput(child: GuardedChild): CapturedOutput {
  const stdout = new TailBuffer(METRIC_WINDOW_BYTES);
  const stderr = new TailBuffer(METRIC_WINDOW_BYTES);
  const lineMetrics: Record<string, MetricValue> = {};
  const metricLines = new LineSplitter((line) => {
    const parsed = parseMetricLine(line);
    if (parsed) setMetric(lineMetrics, parsed[0], parsed[1]);
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    metricLines.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  return { stdout, stderr, lineMetrics, metricLines };
}

/** Resolves when the leader exits, or with the error that kept it from starting. */
function exitOf(child: GuardedChild): Promise<ShellExit> {
  return new Promise((resolve) => {
    child.once('error', (err) => resolve({ spawnError: err }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * The attempt's timers while the command runs: the executor's timeout, the activity's
 * cancellation (both kill the group, once) and the heartbeat.
 */
class AttemptWatch {
  /** Why the group was killed by us, once it was. */
  stopReason: StopReason | undefined;
  private termination: Promise<void> = Promise.resolve();
  private exited = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly heartbeats: NodeJS.Timeout;
  private readonly onAbort = () => this.stop('cancelled');

  constructor(
    private readonly pid: number | undefined,
    timeoutMs: number | undefined,
    private readonly ctx: Context,
    started: number,
  ) {
    this.timer = timeoutMs !== undefined ? setTimeout(() => this.stop('timeout'), timeoutMs) : undefined;
    ctx.cancellationSignal.addEventListener('abort', this.onAbort, { once: true });
    const beat = () => ctx.heartbeat({ pid, elapsedMs: Date.now() - started });
    beat();
    this.heartbeats = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  }

  /** The leader exited: later timeouts or cancellations kill nothing. Returns the kill under way, if any. */
  markExited(): Promise<void> {
    this.exited = true;
    return this.termination;
  }

  /** Stops the timers and the cancellation listener. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.heartbeats);
    this.ctx.cancellationSignal.removeEventListener('abort', this.onAbort);
  }

  private stop(why: StopReason): void {
    if (this.exited || this.stopReason || this.pid === undefined) return;
    this.stopReason = why;
    this.termination = terminateProcessGroup(this.pid, KILL_GRACE_MS);
  }
}

/**
 * After the leader's exit: normally the pipes close right away; if background processes still hold
 * them (or are still running at all), they are leftovers of this step and go with it.
 */
async function reapLeftovers(child: GuardedChild, pid: number, closed: Promise<void>): Promise<void> {
  const drained = await settlesWithin(closed, DRAIN_MS);
  if (!drained || processGroupAlive(pid)) await terminateProcessGroup(pid, KILL_GRACE_MS);
  if (!(await settlesWithin(closed, 1_000))) {
    // Something outside the group holds the pipes: stop reading rather than wait forever.
    child.stdout.destroy();
    child.stderr.destroy();
  }
}

/** True when `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
