/**
 * Leases on `agent` attempts, kept in workflow state. Every successful claim creates a lease with
 * its own `leaseId` (the client's, when its claim carries one, else a `uuid4()` of the workflow,
 * which is deterministic under replay); heartbeat, complete and fail quote it. A claim on a leased
 * attempt is refused (409) for everyone, the same name included, unless it quotes that lease's id
 * (a client's safe retry), so N processes of one agent name never run one task twice.
 *
 * Reports without a `leaseId` are the protocol of histories recorded before leases: they are
 * checked by attempt and claimant as they were then, so those histories replay unchanged. The API
 * always sends one.
 */
import { uuid4 } from '@temporalio/workflow';
import { checkReportPayload, reject, validateReport, type OpenAttempt } from './agent-task';
import type { AgentCompletion, AgentFailure, AgentHeartbeat, ClaimNextRequest, ClaimRequest } from './messages';
import type { StepStatus } from './status';

/** What a claim is answered with before the run adds the step's details. */
export type ClaimVerdict = 'new' | 'again';

/** The lease a client-chosen or generated id may have: safe in a URL and a search attribute value. */
export const LEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

function checkIdentity(req: { claimant?: unknown; leaseId?: unknown; label?: unknown }): void {
  if (typeof req?.claimant !== 'string' || req.claimant.trim() === '')
    throw reject('Invalid', 'claimant: required string');
  if (req.leaseId !== undefined && (typeof req.leaseId !== 'string' || !LEASE_ID.test(req.leaseId))) {
    throw reject('Invalid', 'leaseId: 1-100 characters of [A-Za-z0-9._:-], starting with a letter or digit');
  }
  if (req.label !== undefined && typeof req.label !== 'string') throw reject('Invalid', 'label: must be a string');
}

/** True when `leaseId` was the lease of an earlier attempt of `t` (a lease id is never reused). */
function usedBefore(t: StepStatus, leaseId: string | undefined, current: number): boolean {
  return leaseId !== undefined && t.attemptHistory.some((a) => a.leaseId === leaseId && a.attempt !== current);
}

/**
 * Validates a claim of one step's open attempt. `'again'` when it repeats the current lease (same
 * `leaseId`, same claimant); throws `Conflict` for a leased attempt otherwise.
 */
export function validateClaim(
  step: StepStatus | undefined,
  open: OpenAttempt | undefined,
  req: ClaimRequest,
): ClaimVerdict {
  checkIdentity(req);
  if (!step) throw reject('NotFound', `unknown step "${req.step}"`);
  if (step.executor !== 'agent')
    throw reject('Invalid', `step "${step.id}" is not an agent task (run.kind is ${step.executor})`);
  if (!open || open.outcome)
    throw reject('Conflict', `step "${step.id}" has no open attempt to claim (state: ${step.state})`);
  if (req.attempt !== undefined && req.attempt !== open.state.attempt) {
    throw reject(
      'Conflict',
      `attempt ${req.attempt} of step "${step.id}" is not open (current: ${open.state.attempt})`,
    );
  }
  const lease = open.state.leaseId ?? null;
  if (open.state.claimedBy !== null) {
    // Histories from before leases hold claims without an id: only the same claimant repeated those.
    if (lease === null && req.leaseId === undefined && open.state.claimedBy === req.claimant) return 'again';
    if (lease !== null && req.leaseId === lease && open.state.claimedBy === req.claimant) return 'again';
    throw reject(
      'Conflict',
      `step "${step.id}" attempt ${open.state.attempt} is already leased${open.state.claimedBy === req.claimant ? ' (by this identity, under another leaseId)' : ` by "${open.state.claimedBy}"`}`,
    );
  }
  if (usedBefore(step, req.leaseId, open.state.attempt))
    throw reject('Conflict', `leaseId "${req.leaseId}" was already used on an earlier attempt of step "${step.id}"`);
  return 'new';
}

/** An open attempt of the run, with its step. */
export interface OpenTask {
  step: StepStatus;
  open: OpenAttempt;
}

/**
 * Picks what `claimNext` leases in this run: the current lease when the request quotes its id (a
 * retry), else the oldest unleased open attempt of the agent. Throws `Conflict` when there is none
 * (the API then tries the next run), `Invalid` for a malformed request.
 */
export function pickNext(tasks: readonly OpenTask[], req: ClaimNextRequest): { task: OpenTask; verdict: ClaimVerdict } {
  checkIdentity(req);
  if (typeof req.agent !== 'string' || req.agent === '') throw reject('Invalid', 'agent: required string');
  if (req.leaseId !== undefined) {
    const held = tasks.find((x) => x.open.state.leaseId === req.leaseId);
    if (held) {
      if (held.open.state.claimedBy !== req.claimant || held.open.outcome)
        throw reject('Conflict', `lease "${req.leaseId}" is held by someone else or already reported`);
      return { task: held, verdict: 'again' };
    }
  }
  const free = tasks
    .filter(
      (x) =>
        x.step.agent === req.agent &&
        x.open.state.claimedBy === null &&
        !x.open.outcome &&
        !usedBefore(x.step, req.leaseId, x.open.state.attempt),
    )
    .sort((a, b) => a.open.openedAtMs - b.open.openedAtMs);
  const first = free[0];
  if (!first) throw reject('Conflict', `no unleased task of agent "${req.agent}" in this run`);
  return { task: first, verdict: 'new' };
}

/** Grants a new lease on `open` (after validation); returns its id. */
export function grantLease(
  t: StepStatus,
  open: OpenAttempt,
  req: { claimant: string; label?: string; leaseId?: string },
  at: string,
  nowMs: number,
): string {
  const leaseId = req.leaseId ?? uuid4();
  const label = typeof req.label === 'string' && req.label !== '' ? req.label.slice(0, 200) : null;
  open.state.claimedBy = req.claimant;
  open.state.claimedAt = at;
  open.state.lastHeartbeatAt = at;
  open.state.leaseId = leaseId;
  open.state.label = label;
  open.lastHeartbeatMs = nowMs;
  t.leaseId = leaseId;
  t.claimedBy = req.claimant;
  t.label = label;
  t.leaseHolders = [...new Set([...(t.leaseHolders ?? []), req.claimant])];
  const rec = t.attemptHistory[open.state.attempt - 1];
  if (rec) {
    rec.claimedBy = req.claimant;
    rec.leaseId = leaseId;
  }
  return leaseId;
}

/** Clears the step's current lease when its attempt closes (reported, timed out or cancelled). */
export function endLease(t: StepStatus): void {
  t.leaseId = null;
  t.claimedBy = null;
  t.label = null;
}

/** A heartbeat, completion or failure. */
export type AgentReport = AgentHeartbeat | AgentCompletion | AgentFailure;

/**
 * Validates a report. With a `leaseId` (every API call): the lease must be the attempt's current
 * one (409 otherwise: expired, released, another holder's), a given `claimant` must be its holder
 * (403) and a given `attempt` its attempt (409). A completion repeated for a lease that already
 * succeeded is `'done'` (idempotent). Without a `leaseId`: the pre-lease check by attempt and
 * claimant (`validateReport`), so old histories replay.
 */
export function validateAgentReport(
  step: StepStatus | undefined,
  open: OpenAttempt | undefined,
  msg: AgentReport,
  kind: 'heartbeat' | 'complete' | 'fail',
): 'open' | 'done' {
  if (msg?.leaseId === undefined) return validateReport(step, open, msg, kind);
  if (typeof msg.leaseId !== 'string' || !LEASE_ID.test(msg.leaseId))
    throw reject('Invalid', 'leaseId: a lease id as the claim returned it');
  if (msg.claimant !== undefined && (typeof msg.claimant !== 'string' || msg.claimant === ''))
    throw reject('Invalid', 'claimant: must be a non-empty string');
  if (
    msg.attempt !== undefined &&
    (typeof msg.attempt !== 'number' || !Number.isInteger(msg.attempt) || msg.attempt < 1)
  )
    throw reject('Invalid', 'attempt: must be a positive integer');
  if (!step) throw reject('NotFound', `unknown step "${msg.step}"`);
  if (step.executor !== 'agent') throw reject('Invalid', `step "${step.id}" is not an agent task`);
  if (!open || open.state.leaseId !== msg.leaseId) {
    const past = step.attemptHistory.find((a) => a.leaseId === msg.leaseId);
    if (
      kind === 'complete' &&
      past?.outcome === 'succeeded' &&
      (msg.claimant === undefined || past.claimedBy === msg.claimant)
    )
      return 'done';
    throw reject(
      'Conflict',
      `lease "${msg.leaseId}" is not the current lease of step "${step.id}" (expired, released or never granted); claim the task again`,
    );
  }
  if (msg.claimant !== undefined && msg.claimant !== open.state.claimedBy)
    throw reject('Forbidden', `lease "${msg.leaseId}" is held by "${open.state.claimedBy}", not "${msg.claimant}"`);
  if (msg.attempt !== undefined && msg.attempt !== open.state.attempt)
    throw reject('Conflict', `lease "${msg.leaseId}" is for attempt ${open.state.attempt}, not ${msg.attempt}`);
  if (open.outcome) {
    if (kind === 'complete' && open.outcome.ok) return 'done';
    throw reject('Conflict', `lease "${msg.leaseId}" of step "${step.id}" was already reported`);
  }
  checkReportPayload(msg, kind);
  return 'open';
}

/**
 * Refuses a completion that lacks a metric the task declares without a `regex` (400 naming them),
 * rather than letting a gate fail later on "actual missing". Validator only: recorded completions
 * from before this check must still replay.
 */
export function requireDeclaredMetrics(open: OpenAttempt | undefined, msg: AgentCompletion): void {
  const missing = (open?.requiredMetrics ?? []).filter((m) => msg.metrics?.[m] === undefined);
  if (missing.length > 0)
    throw reject(
      'Invalid',
      `metrics: missing declared metric${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`,
    );
}

/** One open agent task in the run's memo (`agentTasks`), what `GET /api/agents/:agent/tasks` lists. */
export interface AgentTaskMemo {
  stepId: string;
  agent: string | null;
  title: string | null;
  attempt: number;
  claimedBy: string | null;
  label: string | null;
  openedAt: string;
}

/**
 * The lease index of the run: `AgentIndex` values (`claimable:<agent>` per agent with an unleased
 * task, `lease:<leaseId>` per current lease; sorted, so an unchanged index is not re-upserted)
 * and the memo entries of its open tasks, oldest first.
 */
export function agentIndex(tasks: readonly OpenTask[]): { index: string[]; memo: AgentTaskMemo[] } {
  const index = new Set<string>();
  const memo: AgentTaskMemo[] = [];
  for (const { step, open } of [...tasks].sort((a, b) => a.open.openedAtMs - b.open.openedAtMs)) {
    if (open.outcome) continue;
    const leaseId = open.state.leaseId ?? null;
    if (leaseId) index.add(`lease:${leaseId}`);
    else if (open.state.claimedBy === null && step.agent) index.add(`claimable:${step.agent}`);
    memo.push({
      stepId: step.id,
      agent: step.agent ?? null,
      title: step.title ? step.title.slice(0, 80) : null,
      attempt: open.state.attempt,
      claimedBy: open.state.claimedBy,
      label: open.state.label ?? null,
      openedAt: new Date(open.openedAtMs).toISOString(),
    });
  }
  return { index: [...index].sort(), memo };
}

/** When the lease on `open` lapses: its last heartbeat plus the heartbeat timeout, or the attempt's deadline. */
export function leaseExpiry(open: OpenAttempt): number | undefined {
  const beat =
    open.heartbeatMs !== undefined ? (open.lastHeartbeatMs ?? open.openedAtMs) + open.heartbeatMs : undefined;
  const candidates = [beat, open.deadlineMs].filter((x): x is number => x !== undefined);
  return candidates.length ? Math.min(...candidates) : undefined;
}
