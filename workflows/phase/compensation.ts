/**
 * The saga: when the run stops (failure, no-go, cancel, deadline), in-flight steps are cancelled
 * and awaited (bounded), then each completed task with a `rollback` is compensated, newest
 * completion first, with the task's retry policy. A failing compensation is recorded and the rest
 * still run. The caller runs both in a non-cancellable scope.
 */
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { errorMessage } from '../failures';
import { nowIso } from '../lifecycle';
import type { EffectiveTask } from '../plan/resolve';
import type { Executor, Step } from '../plan/schema';
import type { StepStatus } from '../status';
import { ACTIVITY_FOR, activityOptions, type TaskActivity } from './attempts';
import type { PhaseRun } from './run';

/** Longest wait for in-flight tasks to acknowledge cancellation before compensating. */
export const CANCEL_GRACE_MS = 60_000;

/** Cancels in-flight steps and waits (bounded by {@link CANCEL_GRACE_MS}) for their activities to acknowledge. */
export async function settleInflight(run: PhaseRun): Promise<void> {
  if (run.inflight.size === 0) return;
  for (const { scope } of run.inflight.values()) scope.cancel();
  const all = Promise.all([...run.inflight.values()].map((f) => f.done));
  await Promise.race([all, sleep(CANCEL_GRACE_MS)]);
}

/** The rollback activity of task `id`, with the task's own retry policy (the activity retries). */
function rollbackActivity(
  run: PhaseRun,
  id: string,
): { fn: TaskActivity; t: StepStatus; executor: Exclude<Executor, { kind: 'agent' }> } {
  const def = run.defs.get(id) as Step;
  const t = run.tasks.get(id) as StepStatus;
  const eff = run.effective.get(id) as EffectiveTask;
  const executor = def.rollback as Exclude<Executor, { kind: 'agent' }>;
  const acts = proxyActivities<Activities>({
    ...activityOptions(eff, `rollback ${id}${t.agent ? ` · ${t.agent}` : ''} · ${executor.kind}`),
    retry: {
      maximumAttempts: eff.maximumAttempts,
      initialInterval: eff.initialIntervalMs,
      backoffCoefficient: eff.backoffCoefficient,
      maximumInterval: eff.maximumIntervalMs,
    },
  });
  return { fn: acts[ACTIVITY_FOR[executor.kind]] as TaskActivity, t, executor };
}

/** Compensates every task on the stack, newest completion first; records each result. */
export async function rollback(run: PhaseRun): Promise<void> {
  if (run.compensationStack.length === 0) return;
  run.rollingBack = true;
  run.event('rollback', `compensating ${run.compensationStack.join(', ')} (newest first)`);
  run.publish();
  run.flushDetails();
  for (const id of [...run.compensationStack]) {
    const { fn, t, executor } = rollbackActivity(run, id);
    try {
      await fn({
        runId: run.status.runId,
        stepId: id,
        ...(t.agent ? { agent: t.agent } : {}),
        attempt: 1,
        purpose: 'rollback',
        executor,
        metricRules: {},
      });
      t.state = 'compensated';
      run.status.compensations.push({ step: id, state: 'succeeded', at: nowIso(), error: null });
      run.event('compensated', 'rollback succeeded', id);
    } catch (err) {
      t.state = 'compensation-failed';
      const error = errorMessage(err);
      run.status.compensations.push({ step: id, state: 'failed', at: nowIso(), error });
      run.event('compensation-failed', `rollback failed: ${error}`, id);
    }
    run.publish();
    run.flushDetails();
  }
}
