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
 *
 * This module holds the executor's steps in order; the process handling is in `shell-process.ts`,
 * output capture in `shell-output.ts`, failure classification in `shell-failure.ts` and message
 * text in `shell-messages.ts`. Their public names are re-exported here.
 */
import { statSync } from 'node:fs';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { parseDuration } from '../workflows/plan/duration';
import type { ShellExecutor } from '../workflows/plan/schema';
import { cancellationError } from './cancellation';
import { extractMetrics, mergeMetrics, parseMetricLine } from './metrics';
import { confinedCwd, requireExecutorEnabled, shellEnvironment } from './policy';
import { shellFailure } from './shell-failure';
import { describeCommand, formatElapsed, lastLine } from './shell-messages';
import { OUTPUT_TAIL_BYTES } from './shell-output';
import { runGuarded, type ShellLaunch, type ShellRun } from './shell-process';
import type { TaskFailureDetails, TaskInput, TaskResult } from './types';

export { LineSplitter, METRIC_WINDOW_BYTES, OUTPUT_TAIL_BYTES, TailBuffer } from './shell-output';
export { HEARTBEAT_INTERVAL_MS, KILL_GRACE_MS } from './shell-process';

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
  const launch = shellLaunch(exec, input);
  const label = describeCommand(exec);
  const started = Date.now();
  const run = await runGuarded(launch, ctx, started);

  const durationMs = Date.now() - started;
  const stdoutTail = run.stdout.text(OUTPUT_TAIL_BYTES);
  const stderrTail = run.stderr.text(OUTPUT_TAIL_BYTES);
  const failure = shellFailure({
    exec,
    label,
    outcome: run.outcome,
    stopReason: run.stopReason,
    stdoutTail,
    stderrTail,
    cancellation: ctx.cancellationSignal,
  });
  if (failure) throw failure;
  return successResult(input, run, { durationMs, stdoutTail, stderrTail });
}

/**
 * The program, arguments, confined `cwd`, environment and timeout of the attempt. Throws a
 * non-retryable `ShellSpawnError` when `cwd` is not a directory (and whatever the policy throws for
 * a `cwd` that leaves the work directory or a refused variable).
 */
function shellLaunch(exec: ShellExecutor, input: TaskInput): ShellLaunch {
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
  return { file, args, cwd, env, timeoutMs };
}

/**
 * The result of an attempt that exited 0: `::metric` lines merged with the task's regex rules
 * (which see the metric window of both streams), and the last stdout line that is not a metric.
 */
function successResult(
  input: TaskInput,
  run: ShellRun,
  out: { durationMs: number; stdoutTail: string; stderrTail: string },
): TaskResult {
  const metrics = mergeMetrics(
    run.lineMetrics,
    extractMetrics(input.metricRules, { stdout: run.stdout.text(), stderr: run.stderr.text() }),
  );
  const lastOut = lastLine(out.stdoutTail, (l) => parseMetricLine(l) === undefined);
  return {
    metrics,
    summary: `exit 0 in ${formatElapsed(out.durationMs)}${lastOut ? ` — ${lastOut}` : ''}`,
    stdoutTail: out.stdoutTail,
    stderrTail: out.stderrTail,
    exitCode: 0,
    durationMs: out.durationMs,
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
