/**
 * External `agent` tasks, kept entirely in workflow state: an attempt is opened, an agent leases it
 * (Update; the lease rules are in `agent-lease.ts`), heartbeats (Update) and completes or fails it
 * (Update). Claim, heartbeat and attempt timeouts are workflow timers, so a lost agent loses its
 * lease and the attempt retries per the task's policy. See ARCHITECTURE.md for why this is not
 * async activity completion or activities on a per-agent task queue.
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { AGENT_ATTEMPT_TIMEOUT, AGENT_CLAIM_TIMEOUT, AGENT_FAILED, AGENT_HEARTBEAT_TIMEOUT } from './failures';
import type { AgentCompletion, AgentFailure, AgentHeartbeat, RejectionType } from './messages';
import type { AgentTaskState, MetricValue, StepStatus } from './status';

/** The result an agent reported for an attempt. */
export type AgentOutcome =
  | { ok: true; metrics: Record<string, MetricValue>; summary?: string }
  | { ok: false; reason: string; retryable: boolean };

/** An open attempt of an agent task. */
export interface OpenAttempt {
  state: AgentTaskState;
  openedAtMs: number;
  lastHeartbeatMs: number | null;
  outcome?: AgentOutcome;
  /** Metrics the task declares without a `regex` (`name: {}`): a completion must carry each. */
  requiredMetrics?: string[];
  /** The heartbeat timeout in force, for the lease's `expiresAt`. */
  heartbeatMs?: number;
  /** When the attempt times out (ms since the epoch, workflow time). */
  deadlineMs?: number;
}

/** A rejected agent message: the validator throws it. */
export function reject(type: RejectionType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/**
 * Validates a heartbeat, completion or failure without a `leaseId` (histories from before leases),
 * for `attempt` by `claimant`. Returns `'done'` when a completion repeats one already recorded for
 * that attempt (idempotent), else `'open'`. Reports that quote a lease go through
 * `validateLeaseReport` (agent-lease.ts).
 */
export function validateReport(
  step: StepStatus | undefined,
  open: OpenAttempt | undefined,
  msg: AgentHeartbeat | AgentCompletion | AgentFailure,
  kind: 'heartbeat' | 'complete' | 'fail',
): 'open' | 'done' {
  if (typeof msg?.claimant !== 'string' || msg.claimant.trim() === '')
    throw reject('Invalid', 'claimant: required string');
  if (typeof msg.attempt !== 'number' || !Number.isInteger(msg.attempt) || msg.attempt < 1)
    throw reject('Invalid', 'attempt: required positive integer');
  return legacyCheck(step, open, msg as typeof msg & { attempt: number; claimant: string }, kind);
}

function legacyCheck(
  step: StepStatus | undefined,
  open: OpenAttempt | undefined,
  msg: (AgentHeartbeat | AgentCompletion | AgentFailure) & { attempt: number; claimant: string },
  kind: 'heartbeat' | 'complete' | 'fail',
): 'open' | 'done' {
  if (!step) throw reject('NotFound', `unknown step "${msg.step}"`);
  if (step.executor !== 'agent') throw reject('Invalid', `step "${step.id}" is not an agent task`);
  const attempt = msg.attempt;
  const past = step.attemptHistory[attempt - 1];
  if (!open || open.state.attempt !== msg.attempt) {
    if (kind === 'complete' && past?.outcome === 'succeeded' && past.claimedBy === msg.claimant) return 'done';
    throw reject(
      'Conflict',
      `attempt ${msg.attempt} of step "${step.id}" is not open (stale or unknown attempt; current: ${open?.state.attempt ?? 'none'})`,
    );
  }
  if (open.outcome) {
    if (kind === 'complete' && open.outcome.ok) return 'done';
    throw reject('Conflict', `attempt ${msg.attempt} of step "${step.id}" was already reported`);
  }
  if (open.state.claimedBy === null)
    throw reject('Conflict', `attempt ${msg.attempt} of step "${step.id}" is not claimed: claim it first`);
  if (open.state.claimedBy !== msg.claimant)
    throw reject('Conflict', `attempt ${msg.attempt} of step "${step.id}" is claimed by "${open.state.claimedBy}"`);
  checkReportPayload(msg, kind);
  return 'open';
}

/** Checks a failure's reason and a completion's metric values; throws `Invalid` naming the field. */
export function checkReportPayload(
  msg: AgentHeartbeat | AgentCompletion | AgentFailure,
  kind: 'heartbeat' | 'complete' | 'fail',
): void {
  if (kind === 'fail' && (typeof (msg as AgentFailure).reason !== 'string' || (msg as AgentFailure).reason === ''))
    throw reject('Invalid', 'reason: required string');
  if (kind === 'complete') {
    const metrics = (msg as AgentCompletion).metrics;
    if (metrics !== undefined) {
      if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics))
        throw reject('Invalid', 'metrics: must be an object of name → number|string|boolean');
      for (const [k, v] of Object.entries(metrics)) {
        if (!['number', 'string', 'boolean'].includes(typeof v))
          throw reject('Invalid', `metrics.${k}: must be a number, string or boolean`);
      }
    }
  }
}

/** Timeouts of one agent attempt, in ms. */
export interface AgentTimeouts {
  attemptMs: number;
  claimMs?: number;
  heartbeatMs?: number;
}

/**
 * Waits until the agent reports the attempt, or one of its timeouts passes. Throws a retryable
 * `ApplicationFailure` (`AgentClaimTimeout`, `AgentHeartbeatTimeout`, `AgentAttemptTimeout`) on a
 * timeout, a retryable or non-retryable `AgentFailed` on a reported failure; rethrows cancellation.
 */
export async function awaitAgent(
  open: OpenAttempt,
  t: AgentTimeouts,
  onChange: () => void,
): Promise<AgentOutcome & { ok: true }> {
  for (;;) {
    const now = Date.now();
    const deadlines: [number, string, string][] = [
      [open.openedAtMs + t.attemptMs, AGENT_ATTEMPT_TIMEOUT, 'attempt timed out'],
    ];
    if (t.claimMs !== undefined && open.state.claimedBy === null)
      deadlines.push([open.openedAtMs + t.claimMs, AGENT_CLAIM_TIMEOUT, 'no agent claimed the task in time']);
    if (t.heartbeatMs !== undefined && open.state.claimedBy !== null) {
      deadlines.push([
        (open.lastHeartbeatMs ?? open.openedAtMs) + t.heartbeatMs,
        AGENT_HEARTBEAT_TIMEOUT,
        `no heartbeat from "${open.state.claimedBy}" in time; claim released`,
      ]);
    }
    deadlines.sort((a, b) => a[0] - b[0]);
    const [first, type, message] = deadlines[0] as [number, string, string];
    if (first <= now) throw ApplicationFailure.retryable(message, type);
    const claimed = open.state.claimedBy;
    const beat = open.lastHeartbeatMs;
    await condition(
      () => open.outcome !== undefined || open.state.claimedBy !== claimed || open.lastHeartbeatMs !== beat,
      first - now,
    );
    onChange();
    const outcome = open.outcome;
    if (outcome === undefined) continue;
    if (outcome.ok) return outcome;
    throw ApplicationFailure.create({ type: AGENT_FAILED, message: outcome.reason, nonRetryable: !outcome.retryable });
  }
}
