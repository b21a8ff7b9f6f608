/**
 * The failures a run and its agent attempts end with, in one place: their `ApplicationFailure`
 * types, the outcome ⇄ type maps both workflows use, and the one walk down a failure's cause chain.
 * Clients match on these type strings (`err.cause.type` of a workflow result), so they never change.
 */
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { Outcome } from './status';

/** Thrown (as the workflow's failure) when a gate said no-go or its checks failed under `no-go`. */
export const PHASE_REJECTED = 'PhaseRejected';
/** Thrown when a task failed for good (retries exhausted, not retryable, or aborted while held). */
export const PHASE_FAILED = 'PhaseFailed';
/** Thrown when the plan's `deadline` passed before the run finished. */
export const PHASE_TIMED_OUT = 'PhaseTimedOut';
/**
 * Thrown when the run ended `cancelled` without a cancellation error to rethrow. A cancelled run
 * normally ends as Temporal's own *Cancelled*, so clients rarely see this type.
 */
export const PHASE_CANCELLED = 'PhaseCancelled';

/** Thrown (retryable) when no agent claimed an `agent` attempt within its `claimTimeout`. */
export const AGENT_CLAIM_TIMEOUT = 'AgentClaimTimeout';
/** Thrown (retryable) when the claimant of an `agent` attempt stopped heartbeating; the claim is released. */
export const AGENT_HEARTBEAT_TIMEOUT = 'AgentHeartbeatTimeout';
/** Thrown (retryable) when an `agent` attempt was not reported within the task's `timeout`. */
export const AGENT_ATTEMPT_TIMEOUT = 'AgentAttemptTimeout';
/** Thrown when the claimant reported the attempt failed; non-retryable when it said `retryable: false`. */
export const AGENT_FAILED = 'AgentFailed';

/** Outcomes other than success, each of which ends the run with a failure type. */
export type FailedOutcome = Exclude<Outcome, 'succeeded'>;

/** The failure type a run throws for each outcome other than `succeeded`. */
export const FAILURE_TYPE_OF_OUTCOME: Readonly<Record<FailedOutcome, string>> = {
  rejected: PHASE_REJECTED,
  failed: PHASE_FAILED,
  'timed-out': PHASE_TIMED_OUT,
  cancelled: PHASE_CANCELLED,
};

/** The outcome each run failure type stands for: the inverse of {@link FAILURE_TYPE_OF_OUTCOME}. */
export const OUTCOME_OF_FAILURE_TYPE: Readonly<Record<string, FailedOutcome>> = Object.fromEntries(
  Object.entries(FAILURE_TYPE_OF_OUTCOME).map(([outcome, type]) => [type, outcome as FailedOutcome]),
);

/** The error and each of its `cause`s in turn, outermost first (activity and child failures wrap theirs). */
export function* causeChain(err: unknown): Generator<object> {
  let e: unknown = err;
  while (e && typeof e === 'object') {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/**
 * The innermost message of a failure: activity failures wrap the executor's `ApplicationFailure`,
 * whose message is the one people need. Falls back to `String(err)` for non-errors.
 */
export function errorMessage(err: unknown): string {
  let innermost: { message?: string } | undefined;
  for (const e of causeChain(err)) innermost = e as { message?: string };
  return innermost?.message ?? String(err);
}

/** The first `ApplicationFailure` in the cause chain, or `undefined` when there is none. */
export function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  for (const e of causeChain(err)) if (e instanceof ApplicationFailure) return e;
  return undefined;
}

/**
 * The run outcome a failure stands for: the first `ApplicationFailure` in the chain whose type is
 * a run failure type; `undefined` when none is (the caller decides: cancellation, or `failed`).
 */
export function outcomeOfFailure(err: unknown): FailedOutcome | undefined {
  for (const e of causeChain(err)) {
    if (e instanceof ApplicationFailure && e.type && OUTCOME_OF_FAILURE_TYPE[e.type])
      return OUTCOME_OF_FAILURE_TYPE[e.type];
  }
  return undefined;
}

/**
 * The outcome a child run's failure stands for: `cancelled` for a cancellation, the outcome of its
 * run failure type, else `failed` (any other error).
 */
export function outcomeOf(err: unknown): FailedOutcome {
  if (isCancellation(err)) return 'cancelled';
  return outcomeOfFailure(err) ?? 'failed';
}

/**
 * The non-retryable failure a run ends with for `outcome`; details carry `{outcome, runId}` so
 * clients need not parse the message.
 */
export function runFailure(
  planId: string,
  runId: string,
  outcome: FailedOutcome,
  cause: string | null,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE_TYPE_OF_OUTCOME[outcome],
    message: `${planId} ${outcome}: ${cause}`,
    nonRetryable: true,
    details: [{ outcome, runId }],
  });
}
