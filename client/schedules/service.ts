/**
 * Schedule operations on Temporal's schedule client (create, list, show, pause, unpause, trigger,
 * delete, apply). Only schedules Phasegate created (they carry its memo) are visible here; any
 * other schedule id is "not found", as a workflow that is not a Phasegate run is for the run routes.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import type { ScheduleDefinition } from './definition';
import {
  inputSha256,
  memoOf,
  OVERLAP_TO_TEMPORAL,
  scheduleOptions,
  toView,
  type ScheduledInput,
  type ScheduleMemo,
  type ScheduleView,
} from './temporal';

/** Thrown when no Phasegate schedule has this id. */
export class ScheduleMissingError extends Error {
  constructor(readonly scheduleId: string) {
    super(`schedule "${scheduleId}" not found`);
  }
}

/** Thrown when a schedule with this id exists already. */
export class ScheduleTakenError extends Error {
  constructor(readonly scheduleId: string) {
    super(`schedule "${scheduleId}" already exists: delete it first, or use phase schedule apply to update it`);
  }
}

/** Thrown when Temporal refuses the schedule's spec (e.g. a cron field out of range); the message is Temporal's. */
export class ScheduleSpecError extends Error {}

/** Where schedules are made: the client, the task queue of their runs, the Temporal UI base of the namespace. */
export interface ScheduleContext {
  client: Client;
  taskQueue: string;
  /** e.g. `http://localhost:8233/namespaces/default` */
  uiBase: string;
}

async function described(
  ctx: ScheduleContext,
  id: string,
): Promise<{ handle: ScheduleHandle; desc: ScheduleDescription; memo: ScheduleMemo }> {
  const handle = ctx.client.schedule.getHandle(id);
  let desc: ScheduleDescription;
  try {
    desc = await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new ScheduleMissingError(id);
    throw err;
  }
  const memo = memoOf(desc.action.memo) ?? memoOf(desc.memo);
  if (!memo) throw new ScheduleMissingError(id);
  return { handle, desc, memo };
}

function specErrors<T>(fn: () => Promise<T>): Promise<T> {
  // The schedule client turns Temporal's "Invalid schedule spec: …" into a TypeError.
  return fn().catch((err: unknown) => {
    if (err instanceof TypeError && !/fetch/i.test(err.message)) throw new ScheduleSpecError(err.message);
    throw err;
  });
}

/** Creates the schedule. Throws {@link ScheduleTakenError} when the id exists, {@link ScheduleSpecError} for a spec Temporal refuses. */
export async function createSchedule(
  ctx: ScheduleContext,
  def: ScheduleDefinition,
  input: ScheduledInput,
): Promise<ScheduleView> {
  try {
    await specErrors(() => ctx.client.schedule.create(scheduleOptions(def, input, ctx.taskQueue)));
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new ScheduleTakenError(def.id);
    throw err;
  }
  return showSchedule(ctx, def.id);
}

/** One schedule with its counters, next and recent runs. Throws {@link ScheduleMissingError}. */
export async function showSchedule(ctx: ScheduleContext, id: string): Promise<ScheduleView> {
  const { desc, memo } = await described(ctx, id);
  return toView(memo, desc, ctx.uiBase);
}

/**
 * Every Phasegate schedule of the namespace, each described (a list summary lacks the counters and
 * the current definition). Temporal's list is eventually consistent: a new schedule may lag a
 * moment; one deleted meanwhile is left out.
 */
export async function listSchedules(ctx: ScheduleContext): Promise<ScheduleView[]> {
  const ids: string[] = [];
  for await (const summary of ctx.client.schedule.list()) if (memoOf(summary.memo)) ids.push(summary.scheduleId);
  const views = await Promise.all(
    ids.map((id) =>
      showSchedule(ctx, id).catch((err: unknown) =>
        err instanceof ScheduleMissingError ? undefined : Promise.reject(err),
      ),
    ),
  );
  return views.filter((v): v is ScheduleView => v !== undefined).sort((a, b) => a.id.localeCompare(b.id));
}

/** Pauses it with an optional note (kept and shown). Throws {@link ScheduleMissingError}. */
export async function pauseSchedule(ctx: ScheduleContext, id: string, note?: string): Promise<ScheduleView> {
  const { handle } = await described(ctx, id);
  await handle.pause(note ?? 'paused via Phasegate');
  return showSchedule(ctx, id);
}

/** Unpauses it with an optional note. Throws {@link ScheduleMissingError}. */
export async function unpauseSchedule(ctx: ScheduleContext, id: string, note?: string): Promise<ScheduleView> {
  const { handle } = await described(ctx, id);
  await handle.unpause(note ?? 'unpaused via Phasegate');
  return showSchedule(ctx, id);
}

/**
 * Starts a run now. The schedule's own overlap policy applies (the SDK's default for a trigger
 * would be allow-all): with `skip`, triggering while its last run still runs starts nothing and
 * counts one skipped action. Throws {@link ScheduleMissingError}.
 */
export async function triggerSchedule(ctx: ScheduleContext, id: string): Promise<ScheduleView> {
  const { handle, memo } = await described(ctx, id);
  await handle.trigger(OVERLAP_TO_TEMPORAL[memo.definition.overlap ?? 'skip']);
  return showSchedule(ctx, id);
}

/** Deletes the schedule (its runs go on). Throws {@link ScheduleMissingError}. */
export async function deleteSchedule(ctx: ScheduleContext, id: string): Promise<void> {
  const { handle } = await described(ctx, id);
  await handle.delete();
}

/** What {@link applySchedule} did. */
export type ApplyResult = 'created' | 'updated' | 'unchanged';

/**
 * Creates the schedule, or updates it when its definition, its plan or its groups' members changed; an unchanged one is
 * left alone. An update keeps the current pause state and note (an operator's pause survives a
 * re-apply) unless the definition says `paused: true`.
 */
export async function applySchedule(
  ctx: ScheduleContext,
  def: ScheduleDefinition,
  input: ScheduledInput,
): Promise<ApplyResult> {
  let current: Awaited<ReturnType<typeof described>>;
  try {
    current = await described(ctx, def.id);
  } catch (err) {
    if (!(err instanceof ScheduleMissingError)) throw err;
    await createSchedule(ctx, def, input);
    return 'created';
  }
  if (
    JSON.stringify(current.memo.definition) === JSON.stringify(def) &&
    current.memo.planSha256 === inputSha256(def, input)
  )
    return 'unchanged';
  const next = scheduleOptions(def, input, ctx.taskQueue);
  const paused = def.paused === true || current.desc.state.paused;
  const note = def.paused === true ? def.note : current.desc.state.note;
  await specErrors(() =>
    current.handle.update(() => ({
      spec: next.spec,
      action: next.action,
      policies: next.policies ?? {},
      state: { paused, ...(note ? { note } : {}) },
    })),
  );
  return 'updated';
}
