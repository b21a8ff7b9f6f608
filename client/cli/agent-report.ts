/**
 * Reporting a finished command to its run: complete the task (exit 0: metrics and summary) or fail
 * it as retryable with a reason, always quoting the `leaseId`; a lost lease reports nothing.
 */
import type { Lease as ClaimResult } from '../api/schemas';
import { STOPPED_REASON, type CommandOutcome } from './agent-command';
import type { AgentRunnerOptions } from './agent-types';
import { ExitCode, type ExitCodeValue } from './exit-codes';

/**
 * Reports the outcome and says how the task ended for the exit code: OK when it was completed,
 * RUN_FAILED when it failed, was lost, or could not be reported (an `error` event says why).
 */
export async function reportOutcome(
  opts: AgentRunnerOptions,
  claim: ClaimResult,
  outcome: CommandOutcome,
): Promise<ExitCodeValue> {
  try {
    return (await report(opts, claim, outcome)) ? ExitCode.OK : ExitCode.RUN_FAILED;
  } catch (err) {
    opts.emit({ event: 'error', message: `could not report the result: ${(err as Error).message}` });
    return ExitCode.RUN_FAILED;
  }
}

/** Reports the command's outcome to the run; true when the task was completed. */
async function report(opts: AgentRunnerOptions, claim: ClaimResult, outcome: CommandOutcome): Promise<boolean> {
  const ids = { runId: claim.runId, stepId: claim.stepId, attempt: claim.attempt };
  const lease = { leaseId: claim.leaseId, attempt: claim.attempt };
  if (outcome.lost && outcome.lost !== STOPPED_REASON) {
    opts.emit({ event: 'lost', ...ids, reason: outcome.lost });
    return false;
  }
  if (outcome.exitCode === 0 && !outcome.lost) {
    await opts.api.complete(claim.runId, claim.stepId, {
      ...lease,
      metrics: outcome.metrics,
      ...(outcome.summary ? { summary: outcome.summary } : {}),
    });
    opts.emit({
      event: 'completed',
      ...ids,
      metrics: outcome.metrics,
      ...(outcome.summary ? { summary: outcome.summary } : {}),
    });
    return true;
  }
  const reason = failureReason(opts.command, outcome);
  await opts.api.fail(claim.runId, claim.stepId, { ...lease, reason: reason.slice(0, 10_000), retryable: true });
  opts.emit({ event: 'failed', ...ids, reason });
  return false;
}

/** Why the task failed, for the run and the user: how the command ended, then its last stderr line. */
function failureReason(command: string[], outcome: CommandOutcome): string {
  const why = outcome.spawnError
    ? `cannot start ${JSON.stringify(command[0])}: ${outcome.spawnError}`
    : outcome.lost
      ? outcome.lost
      : outcome.signal
        ? `command killed by ${outcome.signal}`
        : `command exited with code ${outcome.exitCode}`;
  return outcome.stderrTail ? `${why}: ${outcome.stderrTail}` : why;
}
