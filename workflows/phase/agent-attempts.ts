/**
 * The workflow side of external `agent` tasks: an attempt is opened here and waited for (see
 * `../agent-task.ts` for the waiting and the validation rules), and the `claim`, `agentHeartbeat`,
 * `complete` and `fail` Updates change the open attempt through the functions below, each called
 * after its message was validated.
 */
import { awaitAgent, type OpenAttempt } from '../agent-task';
import { nowIso } from '../lifecycle';
import type { AgentCompletion, AgentFailure, AgentHeartbeat, ClaimRequest, ClaimResult } from '../messages';
import { parseDuration } from '../plan/duration';
import type { EffectiveTask } from '../plan/resolve';
import type { Executor } from '../plan/schema';
import type { StepStatus } from '../status';
import type { TaskResult } from '../../activities/types';
import type { PhaseRun } from './run';

/** Opens attempt `attempt` of agent task `t` and waits until it is reported or times out. */
export async function executeAgentAttempt(
  run: PhaseRun,
  t: StepStatus,
  executor: Extract<Executor, { kind: 'agent' }>,
  eff: EffectiveTask,
  attempt: number,
): Promise<TaskResult> {
  const started = Date.now();
  const open: OpenAttempt = {
    state: { attempt, claimedBy: null, claimedAt: null, lastHeartbeatAt: null, ...(executor.instructions ? { instructions: executor.instructions } : {}) },
    openedAtMs: started,
    lastHeartbeatMs: null,
  };
  run.openAttempts.set(t.id, open);
  t.agentTask = open.state;
  run.publish();
  try {
    const timeouts = {
      attemptMs: eff.timeoutMs,
      ...(executor.claimTimeout ? { claimMs: parseDuration(executor.claimTimeout) } : {}),
      ...(eff.heartbeatMs ? { heartbeatMs: eff.heartbeatMs } : {}),
    };
    const outcome = await awaitAgent(open, timeouts, () => run.publish());
    return { metrics: outcome.metrics, ...(outcome.summary !== undefined ? { summary: outcome.summary } : {}), durationMs: Date.now() - started };
  } finally {
    run.openAttempts.delete(t.id);
    t.agentTask = null;
  }
}

/** What the winner of a claim learns: the attempt, its instructions and the metrics expected. */
export function claimResult(run: PhaseRun, t: StepStatus, open: OpenAttempt): ClaimResult {
  const def = run.defs.get(t.id);
  const executor = def?.run;
  return {
    runId: run.status.runId,
    stepId: t.id,
    attempt: open.state.attempt,
    claimedBy: open.state.claimedBy as string,
    title: t.title,
    agent: t.agent,
    instructions: executor?.kind === 'agent' ? executor.instructions : undefined,
    description: def?.description,
    metrics: Object.keys(def?.metrics ?? {}),
  };
}

/** Gives the open attempt of `t` to `req.claimant` (a validated new claim). */
export function applyClaim(run: PhaseRun, t: StepStatus, open: OpenAttempt, req: ClaimRequest): void {
  open.state.claimedBy = req.claimant;
  open.state.claimedAt = nowIso();
  open.lastHeartbeatMs = Date.now();
  open.state.lastHeartbeatAt = open.state.claimedAt;
  const rec = t.attemptHistory[open.state.attempt - 1];
  if (rec) rec.claimedBy = req.claimant;
  run.event('claim', `attempt ${open.state.attempt} claimed by ${req.claimant}`, req.step);
  run.publish();
}

/** Records a validated heartbeat; its `progress` becomes the step's summary. */
export function applyHeartbeat(t: StepStatus, open: OpenAttempt, hb: AgentHeartbeat): void {
  open.lastHeartbeatMs = Date.now();
  open.state.lastHeartbeatAt = nowIso();
  if (typeof hb.progress === 'string') t.summary = hb.progress.slice(0, 2000);
}

/** Records a validated completion: the attempt's wait ends with success. */
export function applyCompletion(run: PhaseRun, open: OpenAttempt, c: AgentCompletion): void {
  open.outcome = { ok: true, metrics: { ...(c.metrics ?? {}) }, ...(c.summary !== undefined ? { summary: String(c.summary).slice(0, 4000) } : {}) };
  run.changed();
}

/** Records a validated failure report: the attempt fails, retryably unless `retryable: false`. */
export function applyFailure(run: PhaseRun, open: OpenAttempt, f: AgentFailure): void {
  open.outcome = { ok: false, reason: String(f.reason).slice(0, 4000), retryable: f.retryable !== false };
  run.changed();
}
