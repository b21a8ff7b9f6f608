/**
 * The workflow side of external `agent` tasks: an attempt is opened here and waited for (see
 * `../agent-task.ts` for the waiting and `../agent-lease.ts` for the lease rules), and the
 * `claim`, `claimNext`, `agentHeartbeat`, `complete` and `fail` Updates change the open attempt
 * through the functions below, each called after its message was validated.
 */
import { endLease, grantLease, leaseExpiry } from '../agent-lease';
import { awaitAgent, type OpenAttempt } from '../agent-task';
import { nowIso } from '../lifecycle';
import type { AgentCompletion, AgentFailure, AgentHeartbeat, ClaimResult, LeaseInput } from '../messages';
import { formatDuration, parseDuration } from '../plan/duration';
import type { EffectiveTask } from '../plan/resolve';
import type { Executor } from '../plan/schema';
import type { StepStatus } from '../status';
import type { TaskResult } from '../../activities/types';
import type { PhaseRun } from './run';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** Opens attempt `attempt` of agent task `t` and waits until it is reported or times out. */
export async function executeAgentAttempt(
  run: PhaseRun,
  t: StepStatus,
  executor: Extract<Executor, { kind: 'agent' }>,
  eff: EffectiveTask,
  attempt: number,
): Promise<TaskResult> {
  const started = Date.now();
  const declared = run.defs.get(t.id)?.metrics ?? {};
  const open: OpenAttempt = {
    state: {
      attempt,
      claimedBy: null,
      claimedAt: null,
      lastHeartbeatAt: null,
      ...(executor.instructions ? { instructions: executor.instructions } : {}),
      leaseId: null,
      label: null,
      expiresAt: null,
    },
    openedAtMs: started,
    lastHeartbeatMs: null,
    // `name: {}` (no regex) is a metric only the agent can report: its completion must carry it.
    requiredMetrics: Object.entries(declared)
      .filter(([, rule]) => !rule?.regex)
      .map(([name]) => name),
    ...(eff.heartbeatMs ? { heartbeatMs: eff.heartbeatMs } : {}),
    deadlineMs: started + eff.timeoutMs,
  };
  run.openAttempts.set(t.id, open);
  t.agentTask = open.state;
  t.leaseHolders ??= [];
  endLease(t);
  run.publish();
  try {
    const timeouts = {
      attemptMs: eff.timeoutMs,
      ...(executor.claimTimeout ? { claimMs: parseDuration(executor.claimTimeout) } : {}),
      ...(eff.heartbeatMs ? { heartbeatMs: eff.heartbeatMs } : {}),
    };
    const outcome = await awaitAgent(open, timeouts, () => run.publish());
    return {
      metrics: outcome.metrics,
      ...(outcome.summary !== undefined ? { summary: outcome.summary } : {}),
      durationMs: Date.now() - started,
    };
  } finally {
    run.openAttempts.delete(t.id);
    t.agentTask = null;
    endLease(t);
    run.publishAgentIndex();
  }
}

/** The metrics and summaries of the tasks `t` needs, by step id (gates carry none). */
function inputsOf(run: PhaseRun, t: StepStatus): Record<string, LeaseInput> {
  const inputs: Record<string, LeaseInput> = {};
  for (const id of t.needs) {
    const need = run.tasks.get(id);
    if (need) inputs[id] = { metrics: { ...need.metrics }, summary: need.summary ?? null };
  }
  return inputs;
}

/** The lease a claim answers with (SPEC §4): the attempt, its instructions, inputs and timeouts. */
export function claimResult(run: PhaseRun, t: StepStatus, open: OpenAttempt): ClaimResult {
  const def = run.defs.get(t.id);
  const executor = def?.run;
  const expires = leaseExpiry(open);
  return {
    leaseId: open.state.leaseId as string,
    runId: run.status.runId,
    stepId: t.id,
    attempt: open.state.attempt,
    claimedBy: open.state.claimedBy as string,
    ...(open.state.label ? { label: open.state.label } : {}),
    title: t.title,
    agent: t.agent,
    instructions: executor?.kind === 'agent' ? executor.instructions : undefined,
    description: def?.description,
    inputs: inputsOf(run, t),
    ...(open.heartbeatMs ? { heartbeatTimeout: formatDuration(open.heartbeatMs) } : {}),
    ...(expires !== undefined ? { expiresAt: new Date(expires).toISOString() } : {}),
    metrics: Object.keys(def?.metrics ?? {}),
  };
}

/** Gives the open attempt of `t` a new lease held by `req.claimant` (a validated new claim). */
export function applyClaim(
  run: PhaseRun,
  t: StepStatus,
  open: OpenAttempt,
  req: { claimant: string; label?: string; leaseId?: string },
): void {
  const at = nowIso();
  grantLease(t, open, req, at, Date.now());
  open.state.expiresAt = iso(leaseExpiry(open));
  run.event(
    'claim',
    `attempt ${open.state.attempt} leased to ${req.claimant}${open.state.label ? ` (${open.state.label})` : ''}`,
    t.id,
  );
  run.publish();
}

/** Records a validated heartbeat; its `progress` becomes the step's summary. */
export function applyHeartbeat(t: StepStatus, open: OpenAttempt, hb: AgentHeartbeat): void {
  open.lastHeartbeatMs = Date.now();
  open.state.lastHeartbeatAt = nowIso();
  open.state.expiresAt = iso(leaseExpiry(open));
  if (typeof hb.progress === 'string') t.summary = hb.progress.slice(0, 2000);
}

/** Records a validated completion: the attempt's wait ends with success. */
export function applyCompletion(run: PhaseRun, open: OpenAttempt, c: AgentCompletion): void {
  open.outcome = {
    ok: true,
    metrics: { ...(c.metrics ?? {}) },
    ...(c.summary !== undefined ? { summary: String(c.summary).slice(0, 4000) } : {}),
  };
  run.changed();
}

/** Records a validated failure report: the attempt fails, retryably unless `retryable: false`. */
export function applyFailure(run: PhaseRun, open: OpenAttempt, f: AgentFailure): void {
  open.outcome = { ok: false, reason: String(f.reason).slice(0, 4000), retryable: f.retryable !== false };
  run.changed();
}
