/**
 * Run events for people (SPEC's notifications): `approval-requested`, `approval-decided`, `held`,
 * `escalated`, `checkpoint`, `ended`, each delivered by the `notify` activity to the plan's
 * `notify` targets for that event and to the worker's `PHASEGATE_WEBHOOK_URL`.
 *
 * Fire and forget: each delivery runs in a non-cancellable scope of its own, so a slow or failing
 * webhook never blocks or fails the run, and a cancel of the run does not cancel it. The one wait
 * is at the very end: deliveries still in flight are awaited (bounded by their schedule-to-close
 * timeout) before the workflow closes, because an activity of a closed workflow is dropped.
 *
 * Nothing to deliver, no activity: an event without plan targets goes out only when the worker has
 * a `PHASEGATE_WEBHOOK_URL`, which a local activity reads (at the run's first such event, then again
 * when that reading is over {@link SINKS_FRESH_MS} old). Before this, every event of every run
 * scheduled a `notify` activity that did nothing on workers without a webhook: an activity and a
 * workflow task per event, on the path of every decision and at the end of every run.
 *
 * Replay: escalations were delivered before this module existed (one `notify` activity each, same
 * as now); every other event, and the final wait, is behind `patched(NOTIFICATIONS_PATCH)`; the
 * webhook reading behind `patched(NOTIFY_SINKS_PATCH)`.
 */
import { CancellationScope, log, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { NotifiedGate, RunNotification } from '../../activities/types';
import { errorMessage } from '../failures';
import { eligibleVoters } from '../plan/groups';
import { nowIso } from '../lifecycle';
import type { NotifyEvent } from '../plan/schema';
import type { GateStatus } from '../status';
import { decisionContext } from './people';
import type { PhaseRun } from './run';

/** Patch id of the events other than `escalated`, and of the wait for deliveries at the end. */
export const NOTIFICATIONS_PATCH = 'people-notifications';

/** Patch id of skipping deliveries that have no target (no plan target, no worker webhook). */
export const NOTIFY_SINKS_PATCH = 'notify-only-configured';

/** How long a reading of the worker's webhook setting is reused (workflow time). */
export const SINKS_FRESH_MS = 5 * 60_000;

const { notificationSinks } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '5s',
  retry: { maximumAttempts: 3, initialInterval: '200ms' },
  summary: 'read whether this worker has a webhook for run events',
});

const notifier = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  // Retries with back-off, all within a minute: the end of the run waits at most this long.
  scheduleToCloseTimeout: '1m',
  retry: { maximumAttempts: 5, initialInterval: '1s', backoffCoefficient: 2 },
});

interface Outbox {
  seq: number;
  pending: Set<Promise<void>>;
  /** The last reading of the worker's webhook setting, and when it was taken (workflow ms). */
  webhook?: { at: number; configured: Promise<boolean> };
}
const outboxes = new WeakMap<PhaseRun, Outbox>();

function outboxOf(run: PhaseRun): Outbox {
  let box = outboxes.get(run);
  if (!box) outboxes.set(run, (box = { seq: 0, pending: new Set() }));
  return box;
}

/** The fields of a notification besides the ones every event has. */
export type EventFields = Omit<
  RunNotification,
  'type' | 'event' | 'key' | 'runId' | 'plan' | 'title' | 'at' | 'targets'
>;

/**
 * Whether the worker has a webhook, from the last reading if it is fresh. A reading that fails
 * counts as "has one": the `notify` activity then decides, as before this check existed.
 */
function workerHasWebhook(box: Outbox): Promise<boolean> {
  const now = Date.now();
  if (box.webhook && now - box.webhook.at < SINKS_FRESH_MS) return box.webhook.configured;
  const configured = notificationSinks().then(
    (s) => s.webhook,
    () => true,
  );
  box.webhook = { at: now, configured };
  return configured;
}

/** Starts one delivery of `event` (no patch check: escalations use this directly). */
export function deliver(run: PhaseRun, event: NotifyEvent, fields: EventFields): void {
  const box = outboxOf(run);
  box.seq += 1;
  const targets = (run.plan.notify ?? []).filter((t) => !t.events || t.events.includes(event));
  const n: RunNotification = {
    type: event === 'escalated' ? 'escalation' : event,
    event,
    key: `${run.status.runId}/${event}/${box.seq}`,
    runId: run.status.runId,
    plan: run.plan.id,
    title: run.status.title,
    at: nowIso(),
    ...(targets.length > 0 ? { targets } : {}),
    ...fields,
  };
  const checkWebhook = targets.length === 0 && patched(NOTIFY_SINKS_PATCH);
  const done: Promise<void> = CancellationScope.nonCancellable(async () => {
    if (checkWebhook && !(await workerHasWebhook(box))) return;
    await notifier.notify(n);
  }).then(
    () => undefined,
    (err: unknown) => log.warn('notification not delivered', { key: n.key, error: errorMessage(err) }),
  );
  box.pending.add(done);
  void done.then(() => box.pending.delete(done));
}

/** Delivers `event` when this run records notifications (new runs; not histories from before). */
export function emit(run: PhaseRun, event: Exclude<NotifyEvent, 'escalated'>, fields: EventFields): void {
  if (!patched(NOTIFICATIONS_PATCH)) return;
  deliver(run, event, fields);
}

/** Waits for deliveries still in flight (at the end of the run; see the module comment). */
export async function drainNotifications(run: PhaseRun): Promise<void> {
  if (!patched(NOTIFICATIONS_PATCH)) return;
  const box = outboxOf(run);
  await CancellationScope.nonCancellable(() => Promise.all([...box.pending]));
}

/** A gate as notifications show it: approvers resolved to people, less those barred from voting. */
export function notifiedGate(run: PhaseRun, g: GateStatus): NotifiedGate {
  const ctx = decisionContext(run, g);
  const barred = new Set((ctx.barred ?? []).map((b) => b.identity));
  return {
    id: g.id,
    ...(g.title ? { title: g.title } : {}),
    state: g.state,
    checks: g.checks,
    approvers: g.approvers,
    approversResolved: eligibleVoters(g.approvers, ctx.groups).filter((a) => !barred.has(a)),
    ...(g.approverGroups ? { approverGroups: g.approverGroups } : {}),
    quorum: g.quorum,
    votes: g.votes,
    due: g.deadline ?? null,
  };
}
