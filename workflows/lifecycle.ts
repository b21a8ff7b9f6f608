/**
 * The run lifecycle both workflows share: the bounded event log, the wait for `startAt`, the
 * deadline timer and the end of the run (record the outcome, then return or throw).
 *
 * Every helper emits exactly the commands the workflow emitted before it was shared (one timer
 * each), so recorded histories keep replaying; callers choose the timer summaries.
 */
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';
import { runFailure } from './failures';
import { parseDuration } from './plan/duration';
import type { Outcome, RunStatus } from './status';

/** Most entries kept in `status.events`: the first {@link KEEP_FIRST_EVENTS} and the newest. */
export const MAX_EVENTS = 2_000;
/** Entries at the start of the log that are never dropped (how the run began). */
export const KEEP_FIRST_EVENTS = 50;

/** The current (workflow) time as ISO text: deterministic in workflow code. */
export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * Appends one entry to the run's event log, keeping it at most {@link MAX_EVENTS} long so the
 * status stays far below Temporal's 2 MB payload limit: the oldest entries after the first
 * {@link KEEP_FIRST_EVENTS} go, counted in `eventsDropped`. Decisions, compensations and
 * escalations have their own arrays, and the history keeps everything.
 */
export function appendEvent(status: RunStatus, type: string, message: string, step?: string): void {
  status.events.push({ at: nowIso(), type, message, ...(step ? { step } : {}) });
  if (status.events.length > MAX_EVENTS) {
    const drop = status.events.length - MAX_EVENTS;
    status.events.splice(KEEP_FIRST_EVENTS, drop);
    status.eventsDropped = (status.eventsDropped ?? 0) + drop;
  }
}

/**
 * Starts the wait until `begin` (ISO) when it is in the future: `onWait(begin)` runs first (record
 * and publish the wait), then the timer starts; returns its promise, which rejects on
 * cancellation. Returns `undefined`, starting no timer, when `begin` is absent or past.
 * `summary: false` starts the timer without a summary (program runs recorded before summaries).
 *
 * Synchronous on purpose: callers `await` the returned promise themselves, so the workflow keeps
 * the same number of microtask turns (and so the same command order) as before this was shared.
 */
export function startWait(
  begin: string | undefined,
  onWait: (begin: string) => void,
  summary = true,
): Promise<void> | undefined {
  if (!begin) return undefined;
  const wait = Date.parse(begin) - Date.now();
  if (!(wait > 0)) return undefined; // also NaN (an unparsable time): no wait, as before
  onWait(begin);
  return sleep(wait, summary ? { summary: `start at ${begin}` } : undefined);
}

/**
 * Patch id: a run waiting for its `startAt` is in state `scheduled` (with `startedAt` null) and
 * shows `running` once the wait ends, each with its own `PhaseState` upsert. Runs recorded before
 * it showed `running` throughout the wait, and replay so.
 */
export const SCHEDULED_STATE = 'scheduled-state';

/** True when `begin` (ISO) is a time that has already passed: the run starts at once (and says so). */
export function startAtPassed(begin: string | undefined): boolean {
  if (!begin) return false;
  const at = Date.parse(begin);
  return Number.isFinite(at) && at <= Date.now();
}

/** True when the run will wait for `begin` (a parsable time in the future), as {@link startWait} does. */
export function willWait(begin: string | undefined): boolean {
  return begin !== undefined && Date.parse(begin) - Date.now() > 0;
}

/** Marks the status `scheduled` for `begin`: not started yet, so no `startedAt`. */
export function markScheduled(status: RunStatus, begin: string): void {
  status.state = 'scheduled';
  status.startAt = begin;
  status.startedAt = null;
}

/** Marks the end of the wait: the run starts now. */
export function markStarted(status: RunStatus): void {
  status.state = 'running';
  status.startedAt = nowIso();
}

/** Whether the deadline armed by {@link armDeadline} has passed and cancelled the run's scope. */
export interface DeadlineState {
  readonly hit: boolean;
}

/** How {@link armDeadline} behaves when the deadline passes. */
export interface DeadlineOptions {
  /** Start the timer with the summary `deadline <duration>` (false for old program runs). */
  summary: boolean;
  /** True when the run has already stopped for another reason: the deadline then does nothing. */
  settled: () => boolean;
  /** Records the deadline (event log) just before `main` is cancelled. */
  onPassed: (deadline: string) => void;
}

/**
 * Arms the run's deadline: a timer outside `main` (so cancelling the run does not cancel it) that,
 * unless the run already `settled()`, marks the deadline hit and cancels `main`. No timer without
 * a `deadline`.
 */
export function armDeadline(main: CancellationScope, deadline: string | undefined, o: DeadlineOptions): DeadlineState {
  const state = { hit: false };
  if (!deadline) return state;
  CancellationScope.nonCancellable(() =>
    sleep(parseDuration(deadline), o.summary ? { summary: `deadline ${deadline}` } : undefined),
  ).then(
    () => {
      if (o.settled()) return;
      state.hit = true;
      o.onPassed(deadline);
      main.cancel();
    },
    () => undefined,
  );
  return state;
}

/** Records how the run ended: outcome, cause and end time. */
export function recordOutcome(status: RunStatus, outcome: Outcome, cause: string | null): void {
  status.outcome = outcome;
  status.cause = cause;
  status.endedAt = nowIso();
}

/**
 * Ends the workflow for the outcome already recorded in `status`: returns the status when it
 * succeeded, rethrows `cancellation` (Temporal then shows the run *Cancelled*) when it was
 * cancelled by one, and otherwise throws the outcome's failure type (see `failures.ts`).
 */
export function endRun(status: RunStatus, cancellation?: unknown): RunStatus {
  const outcome = status.outcome ?? 'failed';
  if (outcome === 'succeeded') return status;
  if (outcome === 'cancelled' && cancellation !== undefined && isCancellation(cancellation)) throw cancellation;
  throw runFailure(status.plan, status.runId, outcome, status.cause);
}
