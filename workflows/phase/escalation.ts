/**
 * Escalation: a task or gate that stays in one state (running, held, awaiting-approval) longer
 * than its `escalateAfter` (or the plan's) is escalated once: recorded in the status, the
 * `Escalated` search attribute set, and the webhook notified.
 */
import { CancellationScope, sleep } from '@temporalio/workflow';
import { nowIso } from '../lifecycle';
import { parseDuration } from '../plan/duration';
import { deliver } from './notifications';
import type { PhaseRun } from './run';

/**
 * Marks that step `id` entered `state` (`null`: left its waiting states) and arms a one-shot
 * escalation for staying there longer than its `escalateAfter` (or the plan's). Any later `enter`
 * for the same id disarms it; so does the run stopping or rolling back.
 */
export function enter(run: PhaseRun, id: string, state: string | null): void {
  const token = (run.entries.get(id) ?? 0) + 1;
  run.entries.set(id, token);
  const after = state ? (run.defs.get(id)?.escalateAfter ?? run.plan.escalateAfter) : undefined;
  if (!state || !after) return;
  CancellationScope.nonCancellable(() =>
    sleep(parseDuration(after), { summary: `escalate ${id} if ${state} longer than ${after}` }),
  ).then(
    () => {
      if (run.settled || run.entries.get(id) !== token) return;
      escalate(run, id, state, after);
    },
    () => undefined,
  );
}

function escalate(run: PhaseRun, id: string, state: string, after: string): void {
  const reason = `${state} longer than ${after}`;
  run.status.escalations.push({ step: id, reason, at: nowIso(), state });
  run.event('escalation', reason, id);
  run.publish();
  // One `notify` activity per escalation, as before notifications had other events (no patch).
  deliver(run, 'escalated', { step: id, message: `${id}: ${reason}` });
}
