/**
 * Held tasks (`onFailure: hold`): a task that exhausted its attempts waits for an operator's
 * `act` (retry with a fresh budget, skip, or abort the run) instead of failing the run.
 */
import { condition } from '@temporalio/workflow';
import { reject } from '../agent-task';
import type { OperatorAction } from '../messages';
import type { StepStatus } from '../status';
import { enter } from './escalation';
import { emit } from './notifications';
import type { PhaseRun } from './run';

const ACTIONS: readonly string[] = ['retry', 'skip', 'abort'];

/**
 * The held task an operator action is for. Throws a rejection (`Invalid`, `NotFound`, `Conflict`)
 * when the payload is malformed, the task unknown, or the task not held (or its action already
 * given).
 */
export function validateAct(run: PhaseRun, a: OperatorAction): StepStatus {
  if (typeof a !== 'object' || a === null) throw reject('Invalid', 'an action is {step, action}');
  if (!ACTIONS.includes(a.action)) throw reject('Invalid', 'action: must be retry, skip or abort');
  const t = run.tasks.get(a.step);
  if (!t) throw reject('NotFound', `unknown task "${a.step}"`);
  if (!t.held || run.heldActions.has(a.step))
    throw reject('Conflict', `task "${a.step}" is not held (state: ${t.state})`);
  return t;
}

/** Records a validated operator action; the held task's {@link hold} wakes up with it. */
export function applyAction(run: PhaseRun, t: StepStatus, a: OperatorAction): void {
  run.heldActions.set(t.id, a.action);
  run.event(
    'operator',
    `${a.action}${a.operator ? ` by ${a.operator}` : ''}${a.comment ? `: ${a.comment}` : ''}`,
    t.id,
  );
  run.publish();
}

/** Holds task `t` (failed because of `cause`) until an operator acts; returns the action. */
export async function hold(run: PhaseRun, t: StepStatus, cause: string): Promise<OperatorAction['action']> {
  t.held = true;
  run.heldActions.delete(t.id);
  run.event('held', `${cause}; waiting for an operator to retry, skip or abort`, t.id);
  enter(run, t.id, 'held');
  run.publish();
  emit(run, 'held', {
    step: t.id,
    message: `task ${t.id} is held: ${cause}`,
    held: { step: t.id, error: t.error, attempts: t.attempts },
  });
  try {
    await condition(() => run.heldActions.has(t.id));
  } catch (err) {
    // The run ended while the task waited for an operator: it stays `failed`, no longer held.
    t.held = false;
    throw err;
  }
  enter(run, t.id, null);
  const action = run.heldActions.get(t.id) as OperatorAction['action'];
  run.heldActions.delete(t.id);
  t.held = false;
  return action;
}
