/**
 * Schemas of the schedule routes (`schemas.ts` is the entry module): recurring runs on Temporal
 * Schedules. The definition format is `client/schedules/definition.ts`'s (also `plans/schedules.yaml`).
 */
import { z } from 'zod';
import { OverlapSchema, ScheduleDefinitionSchema, ScheduleIdSchema } from '../schedules/definition';
import type { ScheduleView } from '../schedules/temporal';

/** Body of `POST /api/schedules`: the schedule definition (also the format of `plans/schedules.yaml`). */
export const CreateScheduleBodySchema = ScheduleDefinitionSchema;

/** `/api/schedules/:id` */
export const ScheduleParamsSchema = z.strictObject({ id: ScheduleIdSchema });
/** Parsed schedule path parameters. */
export type ScheduleParams = z.infer<typeof ScheduleParamsSchema>;

/** Body of `pause` / `unpause`: an optional note, shown with the schedule (e.g. why it is paused). */
export const ScheduleNoteBodySchema = z.strictObject({
  note: z.string().max(1000).optional().describe('why; shown with the schedule'),
});
/** Pause/unpause body. */
export type ScheduleNoteBody = z.infer<typeof ScheduleNoteBodySchema>;

/** A schedule, as the schedule routes answer. */
export const ScheduleViewSchema = z
  .object({
    id: z.string(),
    plan: z.string(),
    cron: z.string().nullable(),
    every: z.string().nullable(),
    timezone: z.string(),
    overlap: OverlapSchema,
    paused: z.boolean(),
    note: z.string().nullable(),
    runIdPrefix: z.string().describe('run ids are this, a dash and the scheduled time (RFC 3339)'),
    nextRuns: z.array(z.string()).describe('the next scheduled times'),
    recentRuns: z.array(z.object({ runId: z.string(), scheduledAt: z.string(), takenAt: z.string() })),
    runningRuns: z.array(z.string()),
    actionsTaken: z.number(),
    skippedOverlap: z.number().describe('runs not started because the last one still ran (overlap skip)'),
    createdAt: z.string(),
    uiUrl: z.string().describe('the schedule in the Temporal UI'),
  })
  .meta({ id: 'Schedule' });
const _scheduleFits = (v: ScheduleView): z.infer<typeof ScheduleViewSchema> => v;
void _scheduleFits;

/** `PUT /api/schedules/:id` → 201/200: what `apply` did, and the schedule. */
export const ApplyScheduleResponseSchema = z.object({
  result: z.enum(['created', 'updated', 'unchanged']),
  schedule: ScheduleViewSchema,
});
/** Apply answer. */
export type ApplyScheduleResponse = z.infer<typeof ApplyScheduleResponseSchema>;

/** `GET /api/schedules` → 200. */
export const ScheduleListSchema = z.object({ schedules: z.array(ScheduleViewSchema) });
/** A list of schedules. */
export type ScheduleList = z.infer<typeof ScheduleListSchema>;
