/**
 * How a finished `shell` attempt fails, if it does: the failure types of the executor (see
 * `shell.ts`), each with the output tails as its {@link TaskFailureDetails}, in the order they are
 * checked: spawn error, cancellation, timeout, signal, `exec` failure, non-zero exit.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { ShellExecutor } from '../workflows/plan/schema';
import { cancellationError } from './cancellation';
import { lastLineSuffix } from './shell-messages';
import { GUARD_NAME, type ShellExit, type StopReason } from './shell-process';
import type { TaskFailureDetails } from './types';

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

/** A finished attempt, as far as deciding its failure goes. */
export interface FinishedAttempt {
  exec: ShellExecutor;
  /** The command's name in messages (`describeCommand`). */
  label: string;
  outcome: ShellExit;
  stopReason: StopReason | undefined;
  stdoutTail: string;
  stderrTail: string;
  /** The activity's cancellation signal, whose reason is rethrown on cancellation. */
  cancellation: AbortSignal;
}

/**
 * The error to throw for the attempt, or undefined when it succeeded (exit 0). `ShellSpawnError`
 * (non-retryable for a missing or non-executable program, retryable for lack of resources),
 * the `CancelledFailure`, `ShellTimeout`, `ShellSignaled` or `ShellExitCode` (non-retryable when
 * the code is in `nonRetryableExitCodes`).
 */
export function shellFailure(a: FinishedAttempt): Error | undefined {
  const { outcome, label, stdoutTail, stderrTail } = a;
  const details: TaskFailureDetails = { stdoutTail, stderrTail };
  if ('spawnError' in outcome) return spawnFailure(outcome.spawnError, label, details);
  if (a.stopReason === 'cancelled') return cancellationError(a.cancellation);
  if (a.stopReason === 'timeout') {
    return ApplicationFailure.retryable(
      `${label} timed out after ${a.exec.timeout}; its process group was killed${lastLineSuffix(stderrTail, stdoutTail)}`,
      'ShellTimeout',
      {
        ...details,
        ...(outcome.signal ? { signal: outcome.signal } : {}),
      },
    );
  }
  if (outcome.signal) {
    return ApplicationFailure.retryable(
      `${label} was killed by ${outcome.signal}${lastLineSuffix(stderrTail, stdoutTail)}`,
      'ShellSignaled',
      { ...details, signal: outcome.signal },
    );
  }
  return exitFailure(a, outcome.code ?? 0, details);
}

/** The OS would not start the guard: permanent for a missing or unusable program, else retryable. */
function spawnFailure(err: NodeJS.ErrnoException, label: string, details: TaskFailureDetails): ApplicationFailure {
  const message = `could not start ${label}: ${err.code ?? err.message}`;
  if (err.code !== undefined && PERMANENT_SPAWN_ERRORS.has(err.code))
    return ApplicationFailure.nonRetryable(message, 'ShellSpawnError', details);
  return ApplicationFailure.retryable(message, 'ShellSpawnError', details);
}

/** A non-zero exit: bash's `exec` not starting the program, or the command's own failure. */
function exitFailure(a: FinishedAttempt, code: number, details: TaskFailureDetails): ApplicationFailure | undefined {
  // bash's exec could not start the program (126 not executable, 127 not found): permanent.
  const execFailure =
    (code === 126 || code === 127) &&
    a.stderrTail.split('\n').find((l) => l.startsWith(`${GUARD_NAME}: `) && l.includes('exec: '));
  if (execFailure) {
    return ApplicationFailure.nonRetryable(
      `could not start ${a.label}: ${execFailure.replace(/^.*exec: /, '')}`,
      'ShellSpawnError',
      details,
    );
  }
  if (code === 0) return undefined;
  const message = `${a.label} exited with code ${code}${lastLineSuffix(a.stderrTail, a.stdoutTail)}`;
  const failureDetails: TaskFailureDetails = { ...details, exitCode: code };
  if (a.exec.nonRetryableExitCodes?.includes(code))
    return ApplicationFailure.nonRetryable(message, 'ShellExitCode', failureDetails);
  return ApplicationFailure.retryable(message, 'ShellExitCode', failureDetails);
}
