/**
 * What stays true when a phase run ends early (cancel, deadline, no-go, failure): nothing is left
 * waiting. A gate that still awaited decisions ends `cancelled`, a held task is no longer held, no
 * agent attempt stays open, so the final status and the final search attributes say
 * `AwaitingApproval=false` and no `PendingAgents`.
 */
import { patched } from '@temporalio/workflow';
import { nowIso } from '../lifecycle';
import type { PhaseRun } from './run';

/**
 * Patch id: the final search-attribute upsert of a run that ended with a gate awaiting (or an
 * agent task open) says so no longer. Runs recorded before it kept `AwaitingApproval=true` on
 * their end, and replay so.
 */
export const TRUTHFUL_END = 'truthful-end';

/** True when something in the run still waits although the run is ending. */
function somethingWaits(run: PhaseRun): boolean {
  return (
    run.status.gates.some((g) => g.state === 'awaiting-approval') ||
    run.status.steps.some((s) => s.held === true || Boolean(s.agentTask))
  );
}

/**
 * Closes whatever still waits in a run that is ending; call just before the final publish. The
 * patch is asked only when something waits, so runs that end cleanly record no marker.
 */
export function closeOpenWaits(run: PhaseRun): void {
  if (!somethingWaits(run) || !patched(TRUTHFUL_END)) return;
  const at = nowIso();
  for (const g of run.status.gates) {
    if (g.state !== 'awaiting-approval') continue;
    g.state = 'cancelled';
    g.endedAt = at;
    g.deadline = null;
    run.event('cancelled', 'the run ended while the gate awaited decisions', g.id);
  }
  for (const t of run.status.steps) {
    t.held = false;
    t.agentTask = null;
  }
}
