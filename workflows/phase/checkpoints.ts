/**
 * Checkpoints (plan `checkpoint: 30m`): every interval while the run runs, a progress digest
 * (steps by state, gates waiting, escalations) goes into the status (`checkpoints`, the last 20),
 * the event log and a `checkpoint` notification. One timer per interval, each with a summary the
 * Temporal UI shows ("checkpoint 3 (every 30m)"). Only plans with `checkpoint` get the timers, and
 * they are behind `patched(CHECKPOINT_PATCH)` as well.
 */
import { CancellationScope, patched, sleep } from '@temporalio/workflow';
import type { ProgressDigest } from '../../activities/types';
import { nowIso } from '../lifecycle';
import { formatDuration, parseDuration } from '../plan/duration';
import type { PhaseRun } from './run';
import { emit } from './notifications';

/** Patch id of the checkpoint timers. */
export const CHECKPOINT_PATCH = 'plan-checkpoints';

/** How many checkpoints the status keeps (the event log and the notifications have every one). */
export const CHECKPOINTS_KEPT = 20;

/** The run's progress now: steps (tasks and gates) by state, gates waiting for people, escalations so far. */
export function progressDigest(run: PhaseRun, seq: number): ProgressDigest {
  const steps: Record<string, number> = {};
  for (const s of [...run.status.steps, ...run.status.gates]) steps[s.state] = (steps[s.state] ?? 0) + 1;
  const started = run.status.startedAt ? Date.parse(run.status.startedAt) : Date.now();
  return {
    seq,
    state: run.status.state,
    steps,
    gatesWaiting: run.status.gates.filter((g) => g.state === 'awaiting-approval').map((g) => g.id),
    escalations: run.status.escalations.length,
    elapsed: formatDuration(Date.now() - started),
  };
}

function record(run: PhaseRun, seq: number): void {
  const digest = progressDigest(run, seq);
  const list = (run.status.checkpoints ??= []);
  list.push({ ...digest, at: nowIso() });
  if (list.length > CHECKPOINTS_KEPT) list.splice(0, list.length - CHECKPOINTS_KEPT);
  const counts = Object.entries(digest.steps)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const message = `checkpoint ${seq}: ${counts}${digest.gatesWaiting.length ? `; waiting: ${digest.gatesWaiting.join(', ')}` : ''}`;
  run.event('checkpoint', message);
  run.publish();
  emit(run, 'checkpoint', { message, checkpoint: digest });
}

/** Starts the checkpoint timers of a plan with `checkpoint` (call once the run has started). */
export function armCheckpoints(run: PhaseRun): void {
  const every = run.plan.checkpoint;
  if (!every || !patched(CHECKPOINT_PATCH)) return;
  const ms = parseDuration(every);
  // In a scope of its own: ending or cancelling the run must not wait for (or be failed by) a timer.
  const loop = async () => {
    for (let seq = 1; !run.settled; seq++) {
      await sleep(ms, { summary: `checkpoint ${seq} (every ${every})` });
      if (run.settled) return;
      record(run, seq);
    }
  };
  CancellationScope.nonCancellable(loop).catch(() => undefined);
}
