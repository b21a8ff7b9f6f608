/**
 * `shell` executor (SPEC §2): runs one attempt of a command (argv, no shell) or a script
 * (`bash -c`) as the leader of its own process group, streams its output into bounded tails, reads
 * metrics from it, and kills the whole group on timeout or cancellation. POSIX only.
 *
 * Failure types (first detail is a {@link TaskFailureDetails}):
 * - `ShellExitCode` — non-zero exit; retryable, non-retryable when the code is in `nonRetryableExitCodes`.
 * - `ShellSignaled` — the command was killed by a signal it did not get from us (OOM killer, ...); retryable.
 * - `ShellTimeout` — the executor's `timeout` passed; the group was killed; retryable.
 * - `ShellSpawnError` — the program or working directory does not exist or is not executable
 *   (non-retryable), or the OS refused to start it for lack of resources (retryable).
 * Cancellation of the activity kills the group and rethrows the `CancelledFailure`.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { parseDuration } from '../workflows/plan/duration';
import type { ShellExecutor } from '../workflows/plan/schema';
import type { MetricValue } from '../workflows/status';
import { extractMetrics, mergeMetrics, parseMetricLine, setMetric } from './metrics';
import { confinedCwd, requireExecutorEnabled, shellEnvironment } from './policy';
import { processGroupAlive, terminateProcessGroup, trackProcessGroup } from './process-group';
import type { TaskFailureDetails, TaskInput, TaskResult } from './types';

/** Bytes of stdout and of stderr kept in the result and in failure details (the last ones). */
export const OUTPUT_TAIL_BYTES = 64 * 1024;

/**
 * Bytes of each stream that `metrics:` regex rules see (the last ones). Larger than the reported
 * tail so a figure printed a little before a long log tail is still found; `::metric` lines are
 * parsed as they stream and see the whole output.
 */
export const METRIC_WINDOW_BYTES = 1024 * 1024;

/** How often a running command heartbeats (the worker throttles heartbeats to 1s anyway). */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/** How long to wait after SIGTERM before SIGKILL when a process group is killed. */
export const KILL_GRACE_MS = 2_000;

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
const GUARD_NAME = 'phasegate-guard';
// Longest partial line kept while looking for `::metric` lines; longer lines cannot be metrics.
const MAX_LINE_CHARS = 64 * 1024;
// Spawn errors that no retry can fix: missing or non-executable program / directory.
const PERMANENT_SPAWN_ERRORS = new Set([
  'ENOENT',
  'EACCES',
  'ENOTDIR',
  'EPERM',
  'ENOEXEC',
  'EISDIR',
  'ELOOP',
  'ENAMETOOLONG',
]);

/**
 * Runs one shell attempt and returns its metrics, a summary (`exit 0 in 1.2s — <last stdout line>`)
 * and the output tails. Without an executor `timeout` the command may run as long as the activity's
 * own timeout allows.
 *
 * The child gets the worker's environment, the executor's `env` over it, and `PHASEGATE_RUN_ID`,
 * `PHASEGATE_STEP_ID`, `PHASEGATE_ATTEMPT`, `PHASEGATE_PURPOSE` (`run`/`rollback`); its `cwd` is
 * relative to `PHASEGATE_WORKDIR` (default: the worker's cwd) and may not leave it by real path;
 * loader and start-up variables in `env` are refused, and the worker's own credentials
 * (`PHASEGATE_SIGNING_KEY`, tokens, `TEMPORAL_API_KEY`) are not passed on; stdin is closed. Background
 * processes still running when the command exits are killed with it: nothing a step starts
 * outlives the step (use `setsid` to detach a daemon on purpose).
 */
export async function shellTask(input: TaskInput): Promise<TaskResult> {
  const exec = input.executor;
  if (exec.kind !== 'shell')
    throw ApplicationFailure.nonRetryable(`shellTask got a ${exec.kind} executor`, 'BadExecutor');
  const ctx = Context.current();
  if (ctx.cancellationSignal.aborted) throw cancellationError(ctx.cancellationSignal);

  requireExecutorEnabled('shell');
  const cwd = confinedCwd(exec.cwd);
  if (!isDirectory(cwd))
    throw ApplicationFailure.nonRetryable(
      `working directory "${exec.cwd ?? '.'}" is not a directory`,
      'ShellSpawnError',
      {} satisfies TaskFailureDetails,
    );
  const [file, args] =
    exec.script !== undefined ? ['bash', ['-c', exec.script]] : [exec.command?.[0] ?? '', exec.command?.slice(1) ?? []];
  const env = shellEnvironment(exec.env, {
    PHASEGATE_RUN_ID: input.runId,
    PHASEGATE_STEP_ID: input.stepId,
    PHASEGATE_ATTEMPT: String(input.attempt),
    PHASEGATE_PURPOSE: input.purpose,
  });
  const timeoutMs = exec.timeout !== undefined ? parseDuration(exec.timeout) : undefined;
  const label = describeCommand(exec);
  const started = Date.now();

  // detached: the child leads a new process group (pgid = pid) that we can signal as a whole.
  const child = spawn('bash', ['-c', GUARD_SCRIPT, GUARD_NAME, file, ...args], {
    cwd,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // The guard may already be gone (group killed): writing nothing, we only care that it closes.
  child.stdin.on('error', () => undefined);
  const pid = child.pid;
  const untrack = pid !== undefined ? trackProcessGroup(pid) : () => undefined;
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
  const closed = new Promise<void>((r) => child.once('close', () => r()));

  let exited = false;
  let stopReason: 'timeout' | 'cancelled' | undefined;
  let termination: Promise<void> = Promise.resolve();
  const stop = (why: 'timeout' | 'cancelled') => {
    if (exited || stopReason || pid === undefined) return;
    stopReason = why;
    termination = terminateProcessGroup(pid, KILL_GRACE_MS);
  };
  const timer = timeoutMs !== undefined ? setTimeout(() => stop('timeout'), timeoutMs) : undefined;
  const onAbort = () => stop('cancelled');
  ctx.cancellationSignal.addEventListener('abort', onAbort, { once: true });
  const beat = () => ctx.heartbeat({ pid, elapsedMs: Date.now() - started });
  beat();
  const heartbeats = setInterval(beat, HEARTBEAT_INTERVAL_MS);

  let outcome: { code: number | null; signal: NodeJS.Signals | null } | { spawnError: NodeJS.ErrnoException };
  try {
    outcome = await new Promise((resolve) => {
      child.once('error', (err) => resolve({ spawnError: err }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    exited = true;
    // Closing the guard's pipe kills whatever the command left running in its group.
    child.stdin.end();
    await termination;
    if (pid !== undefined && !('spawnError' in outcome)) {
      // Normally the pipes close right after the exit; if background processes still hold them
      // (or are still running at all), they are leftovers of this step and go with it.
      const drained = await settlesWithin(closed, DRAIN_MS);
      if (!drained || processGroupAlive(pid)) await terminateProcessGroup(pid, KILL_GRACE_MS);
      if (!(await settlesWithin(closed, 1_000))) {
        // Something outside the group holds the pipes: stop reading rather than wait forever.
        child.stdout.destroy();
        child.stderr.destroy();
      }
    }
  } finally {
    untrack();
    if (timer) clearTimeout(timer);
    clearInterval(heartbeats);
    ctx.cancellationSignal.removeEventListener('abort', onAbort);
  }
  metricLines.end();

  const durationMs = Date.now() - started;
  const stdoutTail = stdout.text(OUTPUT_TAIL_BYTES);
  const stderrTail = stderr.text(OUTPUT_TAIL_BYTES);
  const details: TaskFailureDetails = { stdoutTail, stderrTail };

  if ('spawnError' in outcome) {
    const err = outcome.spawnError;
    const message = `could not start ${label}: ${err.code ?? err.message}`;
    if (err.code !== undefined && PERMANENT_SPAWN_ERRORS.has(err.code))
      throw ApplicationFailure.nonRetryable(message, 'ShellSpawnError', details);
    throw ApplicationFailure.retryable(message, 'ShellSpawnError', details);
  }
  if (stopReason === 'cancelled') throw cancellationError(ctx.cancellationSignal);
  if (stopReason === 'timeout') {
    throw ApplicationFailure.retryable(
      `${label} timed out after ${exec.timeout}; its process group was killed${lastLineSuffix(stderrTail, stdoutTail)}`,
      'ShellTimeout',
      {
        ...details,
        ...(outcome.signal ? { signal: outcome.signal } : {}),
      },
    );
  }
  if (outcome.signal) {
    throw ApplicationFailure.retryable(
      `${label} was killed by ${outcome.signal}${lastLineSuffix(stderrTail, stdoutTail)}`,
      'ShellSignaled',
      { ...details, signal: outcome.signal },
    );
  }
  const code = outcome.code ?? 0;
  // bash's exec could not start the program (126 not executable, 127 not found): permanent.
  const execFailure =
    (code === 126 || code === 127) &&
    stderrTail.split('\n').find((l) => l.startsWith(`${GUARD_NAME}: `) && l.includes('exec: '));
  if (execFailure) {
    throw ApplicationFailure.nonRetryable(
      `could not start ${label}: ${execFailure.replace(/^.*exec: /, '')}`,
      'ShellSpawnError',
      details,
    );
  }
  if (code !== 0) {
    const message = `${label} exited with code ${code}${lastLineSuffix(stderrTail, stdoutTail)}`;
    const failureDetails: TaskFailureDetails = { ...details, exitCode: code };
    if (exec.nonRetryableExitCodes?.includes(code))
      throw ApplicationFailure.nonRetryable(message, 'ShellExitCode', failureDetails);
    throw ApplicationFailure.retryable(message, 'ShellExitCode', failureDetails);
  }

  const metrics = mergeMetrics(
    lineMetrics,
    extractMetrics(input.metricRules, { stdout: stdout.text(), stderr: stderr.text() }),
  );
  const lastOut = lastLine(stdoutTail, (l) => parseMetricLine(l) === undefined);
  return {
    metrics,
    summary: `exit 0 in ${formatElapsed(durationMs)}${lastOut ? ` — ${lastOut}` : ''}`,
    stdoutTail,
    stderrTail,
    exitCode: 0,
    durationMs,
  };
}

/**
 * Keeps the last `limit` bytes written to it. Chunks are kept whole and dropped from the front once
 * the rest already covers the limit, so memory stays near `limit` plus one chunk.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  /** Appends a chunk. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - (this.chunks[0] as Buffer).length >= this.limit) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
  }

  /**
   * The last `maxBytes` (default: the limit) as UTF-8 text. A multi-byte character cut at the start
   * is dropped rather than shown as a replacement character.
   */
  text(maxBytes = this.limit): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.length > maxBytes ? all.subarray(all.length - maxBytes) : all;
    let start = 0;
    // Skip UTF-8 continuation bytes (10xxxxxx) left over from a character cut in half.
    while (start < tail.length && start < 3 && ((tail[start] as number) & 0xc0) === 0x80) start++;
    return tail.subarray(start).toString('utf8');
  }
}

/**
 * Splits a byte stream into lines (decoding UTF-8 across chunk boundaries) and hands each complete
 * line to `onLine`. Lines longer than 64 Ki characters are skipped, keeping memory bounded.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private overlong = false;
  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds a chunk; calls `onLine` for every line it completes. */
  write(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  /** Flushes the last line when the stream ended without a newline. */
  end(): void {
    this.feed(this.decoder.end());
    if (!this.overlong && this.partial) this.onLine(this.partial);
    this.partial = '';
  }

  private feed(text: string): void {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      const line = this.partial + text.slice(from, nl);
      if (!this.overlong) this.onLine(line);
      this.partial = '';
      this.overlong = false;
      from = nl + 1;
    }
    if (this.overlong) return;
    this.partial += text.slice(from);
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = '';
      this.overlong = true;
    }
  }
}

/** A short name for the command in messages: the argv (cut), or `script` with its first line. */
function describeCommand(exec: ShellExecutor): string {
  const text =
    exec.script !== undefined
      ? `script \`${exec.script.trim().split('\n')[0] ?? ''}\``
      : `\`${(exec.command ?? []).join(' ')}\``;
  return text.length > 120 ? `${text.slice(0, 117)}…\`` : text;
}

/** `: <last stderr line>` (or the last stdout line when stderr is empty), for failure messages. */
function lastLineSuffix(stderrTail: string, stdoutTail: string): string {
  const err = lastLine(stderrTail);
  if (err) return `: ${err}`;
  const out = lastLine(stdoutTail);
  return out ? `; last output: ${out}` : '';
}

/** The last non-empty line of `text` (trimmed, cut to 300 characters) accepted by `keep`. */
function lastLine(text: string, keep: (line: string) => boolean = () => true): string | undefined {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] as string).trim();
    if (line && keep(line)) return line.length > 300 ? `${line.slice(0, 299)}…` : line;
  }
  return undefined;
}

/** `350ms`, `1.2s`, `2m 5s`. */
function formatElapsed(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const s = Math.round(ms / 1_000);
  return s < 3_600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3_600)}h ${Math.floor((s % 3_600) / 60)}m`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
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

/** The error to rethrow on cancellation: the SDK's `CancelledFailure` (the abort reason). */
function cancellationError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledFailure(String(signal.reason ?? 'cancelled'));
}
