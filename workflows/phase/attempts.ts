/**
 * Running a task: the workflow counts attempts itself (one activity, or one agent claim/complete
 * cycle, per attempt) so every attempt, its error and its back-off are in the status. Here: one
 * attempt, its success, its failure (retry after back-off, or give up) and exhaustion (fail the
 * run, or hold for an operator).
 *
 * The `await`s stay exactly where they were in the single-class workflow: moving one into a
 * helper `async` function adds a microtask turn, which can reorder commands between parallel
 * steps and break the replay of recorded histories. Helpers here are synchronous.
 */
import {
  ActivityCancellationType,
  isCancellation,
  patched,
  proxyActivities,
  sleep,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { TaskFailureDetails, TaskInput, TaskResult } from '../../activities/types';
import { applicationFailureOf, errorMessage } from '../failures';
import { nowIso } from '../lifecycle';
import type { OperatorAction } from '../messages';
import { formatDuration } from '../plan/duration';
import { backoffMs, type EffectiveTask } from '../plan/resolve';
import type { Executor, Step } from '../plan/schema';
import type { AttemptRecord, StepStatus } from '../status';
import { executeAgentAttempt } from './agent-attempts';
import { enter } from './escalation';
import { hold } from './holds';
import type { PhaseRun } from './run';

/**
 * Patch id: after an operator's retry of a held task, the back-off starts again from the first
 * interval (the new round's attempt count), instead of growing on from the attempts before the
 * hold. Runs recorded before it keep their longer waits on replay.
 */
export const RETRY_BACKOFF_RESET = 'retry-backoff-reset';

/** The activity that runs each executor kind other than `agent`. */
export const ACTIVITY_FOR: Record<Exclude<Executor['kind'], 'agent'>, keyof Activities> = {
  shell: 'shellTask',
  http: 'httpTask',
  simulate: 'simulateTask',
};

/** An executor activity, typed by its input. */
export type TaskActivity = (i: TaskInput) => Promise<TaskResult>;

/** Options of one attempt's activity: the task's timeouts, one try (the workflow retries), a summary. */
export function activityOptions(eff: EffectiveTask, summary: string): ActivityOptions {
  return {
    startToCloseTimeout: eff.timeoutMs,
    ...(eff.heartbeatMs ? { heartbeatTimeout: eff.heartbeatMs } : {}),
    // The workflow counts attempts itself (status, holds, back-off): one try per activity.
    retry: { maximumAttempts: 1 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary,
  };
}

/** The output tails of a result, or `null` when the executor reported none. */
export function outputOf(r: TaskResult): StepStatus['output'] {
  if (
    r.stdoutTail === undefined &&
    r.stderrTail === undefined &&
    r.exitCode === undefined &&
    r.httpStatus === undefined
  )
    return null;
  return { stdout: r.stdoutTail, stderr: r.stderrTail, exitCode: r.exitCode, httpStatus: r.httpStatus };
}

async function executeAttempt(
  run: PhaseRun,
  t: StepStatus,
  def: Step,
  eff: EffectiveTask,
  attempt: number,
): Promise<TaskResult> {
  const executor = def.run as Executor;
  if (executor.kind === 'agent') return executeAgentAttempt(run, t, executor, eff, attempt);
  const input: TaskInput = {
    runId: run.status.runId,
    stepId: t.id,
    ...(t.agent ? { agent: t.agent } : {}),
    attempt,
    purpose: 'run',
    executor,
    metricRules: def.metrics ?? {},
  };
  const summary = `${t.id}${t.agent ? ` · ${t.agent}` : ''} · ${executor.kind} · attempt ${attempt}`;
  const acts = proxyActivities<Activities>(activityOptions(eff, summary));
  const fn = acts[ACTIVITY_FOR[executor.kind]] as TaskActivity;
  return fn(input);
}

/** Marks the next attempt of `t` started; returns its record. */
function beginAttempt(run: PhaseRun, t: StepStatus, def: Step): AttemptRecord {
  t.attempts++;
  const attempt = t.attempts;
  t.state = 'running';
  t.held = false;
  t.error = null;
  t.startedAt ??= nowIso();
  t.endedAt = null;
  t.attemptHistory.push({ attempt, startedAt: nowIso(), ...(def.run?.kind === 'agent' ? { claimedBy: null } : {}) });
  run.event('attempt', `attempt ${attempt} started`, t.id);
  run.publish();
  return t.attemptHistory[attempt - 1] as AttemptRecord;
}

function attemptSucceeded(run: PhaseRun, t: StepStatus, def: Step, rec: AttemptRecord, result: TaskResult): void {
  rec.endedAt = nowIso();
  rec.outcome = 'succeeded';
  t.state = 'succeeded';
  t.endedAt = rec.endedAt;
  t.metrics = { ...t.metrics, ...result.metrics };
  t.summary = result.summary ?? t.summary ?? null;
  t.output = outputOf(result);
  enter(run, t.id, null);
  if (def.rollback) run.compensationStack.unshift(t.id);
  run.event(
    'succeeded',
    `succeeded on attempt ${rec.attempt}${Object.keys(result.metrics).length ? ` with ${JSON.stringify(result.metrics)}` : ''}`,
    t.id,
  );
  run.publish();
}

/** What to do after a failed attempt: sleep `retryInMs` and try again, or give up with `cause`. */
type AfterFailure = { retryInMs: number } | { cause: string };

/**
 * Records a failed attempt. Rethrows cancellation (the step ends `cancelled`); otherwise
 * returns a back-off while the error is retryable and the budget lasts, else the give-up cause.
 */
function attemptFailed(
  run: PhaseRun,
  t: StepStatus,
  eff: EffectiveTask,
  rec: AttemptRecord,
  err: unknown,
  budget: number,
  roundStart: number,
): AfterFailure {
  const attempt = rec.attempt;
  rec.endedAt = nowIso();
  rec.outcome = 'failed';
  rec.error = errorMessage(err);
  if (isCancellation(err)) {
    // The run was cancelled (or stopped) under the attempt: the step did not fail, it was cancelled.
    t.state = 'cancelled';
    t.error = 'cancelled';
    t.endedAt = rec.endedAt;
    rec.error = 'cancelled';
    run.event('cancelled', `attempt ${attempt} cancelled`, t.id);
    throw err;
  }
  const failure = applicationFailureOf(err);
  const details = failure?.details?.[0] as TaskFailureDetails | undefined;
  if (details && typeof details === 'object') {
    t.output = {
      stdout: details.stdoutTail,
      stderr: details.stderrTail,
      exitCode: details.exitCode,
      httpStatus: details.httpStatus,
      body: details.bodyTail,
    };
  }
  t.error = rec.error;
  const permanent = failure?.nonRetryable === true;
  if (!permanent && budget > 0) {
    // Attempts count on across an operator's retry, the back-off restarts with the new round.
    const reset = roundStart > 0 && patched(RETRY_BACKOFF_RESET);
    const wait = backoffMs(eff, attempt + 1 - (reset ? roundStart : 0));
    run.event('retry', `attempt ${attempt} failed: ${rec.error}; retrying in ${formatDuration(wait)}`, t.id);
    run.publish();
    return { retryInMs: wait };
  }
  t.state = 'failed';
  t.endedAt = rec.endedAt;
  enter(run, t.id, null);
  return {
    cause: `task "${t.id}" failed after ${attempt} attempt${attempt > 1 ? 's' : ''}${permanent ? ' (not retryable)' : ''}: ${rec.error}`,
  };
}

/** Stops the run: the task failed for good (`onFailure: fail`) or the operator aborted it. */
function failRun(run: PhaseRun, cause: string): void {
  run.fail('failed', cause);
  run.publish();
}

/** Applies an operator's action on a held task; true when the task should run again. */
function afterHold(run: PhaseRun, t: StepStatus, action: OperatorAction['action'], cause: string): boolean {
  if (action === 'retry') {
    enter(run, t.id, 'running');
    return true;
  }
  if (action === 'skip') {
    t.state = 'skipped';
    t.endedAt = nowIso();
    run.event('skipped', 'skipped by operator', t.id);
    run.publish();
    return false;
  }
  failRun(run, `${cause}; aborted by operator`);
  return false;
}

/** The run was cancelled while `t` waited to retry: the step ends `cancelled`, its clock stopped. */
function cancelledInBackoff(run: PhaseRun, t: StepStatus): void {
  t.state = 'cancelled';
  t.endedAt = nowIso();
  enter(run, t.id, null);
  run.event('cancelled', `cancelled while waiting to retry (after attempt ${t.attempts})`, t.id);
}

/** Runs task `t` to success, skip, or a run stop; rethrows cancellation. */
export async function runTask(run: PhaseRun, t: StepStatus): Promise<void> {
  const def = run.defs.get(t.id) as Step;
  const eff = run.effective.get(t.id) as EffectiveTask;
  let budget = eff.maximumAttempts;
  // Attempts made before the current round (an operator's retry starts a new one).
  let roundStart = 0;
  enter(run, t.id, 'running');
  for (;;) {
    const rec = beginAttempt(run, t, def);
    budget--;
    try {
      const result = await executeAttempt(run, t, def, eff, rec.attempt);
      attemptSucceeded(run, t, def, rec, result);
      return;
    } catch (err) {
      const next = attemptFailed(run, t, eff, rec, err, budget, roundStart);
      if ('retryInMs' in next) {
        try {
          await sleep(next.retryInMs, { summary: `back-off before ${t.id} attempt ${rec.attempt + 1}` });
        } catch (e) {
          if (isCancellation(e)) cancelledInBackoff(run, t);
          throw e;
        }
        continue;
      }
      if (eff.onFailure !== 'hold') return failRun(run, next.cause);
      const action = await hold(run, t, next.cause);
      if (!afterHold(run, t, action, next.cause)) return;
      budget = eff.maximumAttempts;
      roundStart = t.attempts;
    }
  }
}
