/**
 * Escalation: a task or gate that stays in one state (running, held, awaiting-approval) longer
 * than its `escalateAfter` (or the plan's) is escalated once: recorded in the status, the
 * `Escalated` search attribute set, and the webhook notified.
 */
import { CancellationScope, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { RunNotification } from '../../activities/types';
import { errorMessage } from '../failures';
import { nowIso } from '../lifecycle';
import { parseDuration } from '../plan/duration';
import type { PhaseRun } from './run';

const notifier = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });

/** Posts a run event to the webhook (the `notify` activity), fire and forget. */
export function notify(run: PhaseRun, event: Omit<RunNotification, 'runId' | 'plan' | 'at'>): void {
  const full: RunNotification = { ...event, runId: run.status.runId, plan: run.plan.id, at: nowIso() };
  // Outside the main scope: a webhook must never block or fail the run.
  CancellationScope.nonCancellable(() => notifier.notify(full)).catch((err) => log.warn('webhook failed', { error: errorMessage(err) }));
}

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
  CancellationScope.nonCancellable(() => sleep(parseDuration(after), { summary: `escalate ${id} if ${state} longer than ${after}` })).then(
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
  notify(run, { type: 'escalation', step: id, message: `${id}: ${reason}` });
}
