/**
 * Recurring runs on Temporal Schedules (SPEC §5): `POST /api/schedules`, `GET /api/schedules`,
 * `GET`/`DELETE /api/schedules/:id`, `POST /api/schedules/:id/{pause,unpause,trigger}`.
 * A schedule starts a bundled plan: inline plans are not scheduled, so what a schedule runs is
 * always a file in the plans folder (reviewed like code) and `apply` can keep it current.
 */
import type { ScheduleDefinition } from '../../schedules/definition';
import {
  applySchedule,
  createSchedule,
  deleteSchedule,
  listSchedules,
  pauseSchedule,
  ScheduleMissingError,
  ScheduleSpecError,
  ScheduleTakenError,
  showSchedule,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleContext,
} from '../../schedules/service';
import { resolvePlan, type PlanCatalog } from '../../plans';
import type { ScheduledInput } from '../../schedules/temporal';
import { groupsForStart } from '../run-groups';
import { ApiError } from '../api-error';
import { withDeadline, type AppDeps } from '../deps';
import { summarize } from '../errors';
import { defineRoute } from '../route';
import {
  ApplyScheduleResponseSchema,
  CreateScheduleBodySchema,
  ErrorSchema,
  ScheduleListSchema,
  ScheduleNoteBodySchema,
  ScheduleParamsSchema,
  ScheduleViewSchema,
} from '../schemas';
import { underPlan } from './runs';

const error = (description: string) => ({ description, schema: ErrorSchema });

/** The schedule context of the app: its client, task queue and the namespace's Temporal UI base. */
export function scheduleContext(deps: AppDeps): ScheduleContext {
  return {
    client: deps.client,
    taskQueue: deps.taskQueue,
    uiBase: `${deps.uiUrl}/namespaces/${encodeURIComponent(deps.namespace)}`,
  };
}

/** Runs a schedule operation with the API's deadline, turning its errors into 404/409/400 answers. */
export async function scheduleCall<T>(deps: AppDeps, fn: (ctx: ScheduleContext) => Promise<T>): Promise<T> {
  try {
    return await withDeadline(deps, () => fn(scheduleContext(deps)));
  } catch (err) {
    if (err instanceof ScheduleMissingError) throw new ApiError(404, err.message);
    if (err instanceof ScheduleTakenError)
      throw new ApiError(409, err.message, [{ path: 'id', message: 'already used by another schedule' }]);
    if (err instanceof ScheduleSpecError)
      throw new ApiError(400, `Temporal refused the schedule: ${err.message.slice(0, 300)}`, [
        { path: 'cron', message: err.message.slice(0, 300) },
      ]);
    throw err;
  }
}

/**
 * What a schedule's runs start with: its bundled plan, resolved, and the approver groups it names
 * (members as of now). 404 for an unknown id, 400 for a program that cannot be resolved or a gate
 * whose quorum its voters cannot reach.
 */
export function scheduledInput(
  deps: AppDeps,
  catalog: PlanCatalog,
  def: Pick<ScheduleDefinition, 'plan'>,
): ScheduledInput {
  const found = catalog.plans.get(def.plan);
  if (!found)
    throw new ApiError(404, `unknown plan "${def.plan}": a schedule runs a bundled plan, see GET /api/plans`, [
      { path: 'plan', message: 'no bundled plan with this id' },
    ]);
  const resolved = resolvePlan(found, catalog);
  if (!resolved.ok) {
    const details = underPlan(resolved.errors);
    throw new ApiError(400, summarize(details, 'cannot resolve the program'), details);
  }
  return { plan: resolved.plan, groups: groupsForStart(deps, resolved.plan) };
}

/** `POST /api/schedules` */
export const createScheduleRoute = defineRoute({
  method: 'post',
  path: '/api/schedules',
  summary: 'Create a schedule: a bundled plan started by cron or every, on a Temporal Schedule',
  description:
    'Each run gets `scheduleId` in its status; Temporal sets `TemporalScheduledById` on it. Run ids are `<runIdPrefix>-<scheduled time>`.',
  tags: ['schedules'],
  access: ['operator'],
  body: { schema: CreateScheduleBodySchema, required: true },
  responses: {
    201: { description: 'created', schema: ScheduleViewSchema },
    400: error('invalid definition (details name the field), or a cron expression Temporal refuses'),
    404: error('unknown plan id'),
    409: error('the schedule id is taken'),
  },
  async handler({ body, deps }) {
    const input = scheduledInput(deps, await deps.catalog(), body);
    const view = await scheduleCall(deps, (ctx) => createSchedule(ctx, body, input));
    deps.logger.info({ scheduleId: body.id, plan: body.plan }, 'schedule created');
    return { status: 201, body: view };
  },
});

/** `PUT /api/schedules/:id`: create or update (what `phase schedule apply` sends for each declared schedule). */
export const applyScheduleRoute = defineRoute({
  method: 'put',
  path: '/api/schedules/:id',
  summary: 'Create the schedule, or update it when its definition or its plan changed (idempotent)',
  description: 'An update keeps the current pause state and note unless the definition says `paused: true`.',
  tags: ['schedules'],
  access: ['operator'],
  params: ScheduleParamsSchema,
  body: { schema: CreateScheduleBodySchema, required: true },
  responses: {
    201: { description: 'created', schema: ApplyScheduleResponseSchema },
    200: { description: 'updated or unchanged', schema: ApplyScheduleResponseSchema },
    400: error('invalid definition, or its id is not the one in the path'),
    404: error('unknown plan id'),
  },
  async handler({ params, body, deps }) {
    if (body.id !== params.id)
      throw new ApiError(400, `body id "${body.id}" is not the schedule id of the path ("${params.id}")`, [
        { path: 'id', message: 'must equal the id in the path' },
      ]);
    const input = scheduledInput(deps, await deps.catalog(), body);
    const result = await scheduleCall(deps, (ctx) => applySchedule(ctx, body, input));
    const schedule = await scheduleCall(deps, (ctx) => showSchedule(ctx, body.id));
    if (result !== 'unchanged') deps.logger.info({ scheduleId: body.id, plan: body.plan, result }, 'schedule applied');
    return { status: result === 'created' ? 201 : 200, body: { result, schedule } };
  },
});

/** `GET /api/schedules` */
export const listSchedulesRoute = defineRoute({
  method: 'get',
  path: '/api/schedules',
  summary: 'List Phasegate schedules',
  tags: ['schedules'],
  access: 'any',
  responses: { 200: { description: 'the schedules, by id', schema: ScheduleListSchema } },
  async handler({ deps }) {
    return { status: 200, body: { schedules: await scheduleCall(deps, listSchedules) } };
  },
});

/** `GET /api/schedules/:id` */
export const getScheduleRoute = defineRoute({
  method: 'get',
  path: '/api/schedules/:id',
  summary: 'One schedule: spec, state, next and recent runs, counters',
  tags: ['schedules'],
  access: 'any',
  params: ScheduleParamsSchema,
  responses: { 200: { description: 'the schedule', schema: ScheduleViewSchema }, 404: error('no such schedule') },
  async handler({ params, deps }) {
    return { status: 200, body: await scheduleCall(deps, (ctx) => showSchedule(ctx, params.id)) };
  },
});

/** `DELETE /api/schedules/:id` */
export const deleteScheduleRoute = defineRoute({
  method: 'delete',
  path: '/api/schedules/:id',
  summary: 'Delete a schedule (runs it started go on)',
  tags: ['schedules'],
  access: ['operator'],
  params: ScheduleParamsSchema,
  responses: { 204: { description: 'deleted' }, 404: error('no such schedule') },
  async handler({ params, deps }) {
    await scheduleCall(deps, (ctx) => deleteSchedule(ctx, params.id));
    deps.logger.info({ scheduleId: params.id }, 'schedule deleted');
    return { status: 204, body: undefined };
  },
});

function stateRoute(action: 'pause' | 'unpause', summary: string) {
  const op = action === 'pause' ? pauseSchedule : unpauseSchedule;
  return defineRoute({
    method: 'post',
    path: `/api/schedules/:id/${action}`,
    summary,
    tags: ['schedules'],
    access: ['operator'],
    params: ScheduleParamsSchema,
    body: { schema: ScheduleNoteBodySchema, required: false },
    responses: { 200: { description: 'the schedule', schema: ScheduleViewSchema }, 404: error('no such schedule') },
    async handler({ params, body, deps }) {
      const view = await scheduleCall(deps, (ctx) => op(ctx, params.id, body.note));
      deps.logger.info({ scheduleId: params.id, note: body.note }, `schedule ${action}d`);
      return { status: 200, body: view };
    },
  });
}

/** `POST /api/schedules/:id/pause` */
export const pauseScheduleRoute = stateRoute('pause', 'Pause a schedule, with a note saying why');
/** `POST /api/schedules/:id/unpause` */
export const unpauseScheduleRoute = stateRoute('unpause', 'Unpause a schedule');

/** `POST /api/schedules/:id/trigger` */
export const triggerScheduleRoute = defineRoute({
  method: 'post',
  path: '/api/schedules/:id/trigger',
  summary:
    "Start a run now (the schedule's overlap policy applies: with skip, nothing starts while its last run still runs)",
  tags: ['schedules'],
  access: ['operator'],
  params: ScheduleParamsSchema,
  body: { schema: ScheduleNoteBodySchema.pick({}), required: false },
  responses: {
    200: { description: 'the schedule (the run appears in recentRuns within a moment)', schema: ScheduleViewSchema },
    404: error('no such schedule'),
  },
  async handler({ params, deps }) {
    const view = await scheduleCall(deps, (ctx) => triggerSchedule(ctx, params.id));
    deps.logger.info({ scheduleId: params.id }, 'schedule triggered');
    return { status: 200, body: view };
  },
});
