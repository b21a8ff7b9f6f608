/**
 * What a Phasegate schedule is (SPEC §5): a bundled plan started on a Temporal Schedule, by `cron`
 * or `every`, in a time zone, with an overlap policy, maybe paused with a note. One zod schema is
 * used by `POST /api/schedules`, `phase schedule create` and `plans/schedules.yaml`.
 */
import { z } from 'zod';
import { IdSchema } from '../../workflows/plan/schema';
import { isDuration, parseDuration } from '../../workflows/plan/duration';

/** Overlap policies, as SPEC §5 names them. */
export const OVERLAP_POLICIES = ['skip', 'buffer-one', 'allow-all', 'cancel-other'] as const;
/** What happens when a run is due while the previous one still runs. */
export const OverlapSchema = z
  .enum(OVERLAP_POLICIES)
  .describe('what happens when a run is due while the last one still runs (default skip)');
/** An overlap policy. */
export type Overlap = z.infer<typeof OverlapSchema>;

/** Schedule ids: they are also Temporal schedule ids and appear in run ids, so no `:` or `/`. */
export const ScheduleIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    message: 'must be 1-100 characters of [A-Za-z0-9._-], starting with a letter or digit',
  })
  .describe('the schedule id (also the Temporal schedule id)');

/** Shortest `every`: Temporal rounds intervals to whole seconds. */
export const MIN_EVERY_MS = 1_000;

/**
 * A cron expression as Temporal reads it: 5 to 7 fields, or a shorthand such as `@weekly`; the
 * server checks the fields themselves (its refusal becomes a 400 naming `cron`).
 */
const CronSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((c) => /^@[a-z]+$/.test(c) || (c.split(/\s+/).length >= 5 && c.split(/\s+/).length <= 7), {
    message:
      'must be a cron expression of 5 to 7 fields (minute hour day-of-month month day-of-week), or @hourly/@daily/@weekly/@monthly/@yearly',
  })
  .describe('cron expression, e.g. "0 9 * * MON" (Mondays 09:00 in `timezone`)');

const EverySchema = z
  .string()
  .refine((t) => isDuration(t) && parseDuration(t) >= MIN_EVERY_MS, {
    message: 'must be a duration of at least 1s, e.g. 30m, 6h, 1w',
  })
  .describe('fixed interval between runs, e.g. 1w');

/** An IANA time zone the runtime knows (Temporal loads the same database). */
const TimezoneSchema = z
  .string()
  .max(100)
  .refine(isTimeZone, { message: 'unknown time zone: use an IANA name such as Europe/Berlin or UTC' })
  .describe('IANA time zone the cron expression is read in (default UTC)');

/** True when `tz` names a time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** One schedule, as created and as declared in `plans/schedules.yaml`. Exactly one of `cron`, `every`. */
export const ScheduleDefinitionSchema = z
  .strictObject({
    id: ScheduleIdSchema,
    plan: IdSchema.describe('the bundled plan (phase or program) each run starts'),
    cron: CronSchema.optional(),
    every: EverySchema.optional(),
    timezone: TimezoneSchema.optional(),
    overlap: OverlapSchema.optional(),
    paused: z.boolean().optional().describe('create it paused (default false)'),
    note: z.string().max(1000).optional().describe('why it is paused, or any note shown with it'),
  })
  .superRefine((d, ctx) => {
    if ((d.cron === undefined) === (d.every === undefined)) {
      const message = d.cron === undefined ? 'give either cron or every' : 'give cron or every, not both';
      ctx.addIssue({ code: 'custom', path: [d.cron === undefined ? 'cron' : 'every'], message });
    }
    if (d.every !== undefined && d.timezone !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['timezone'],
        message: 'timezone applies to cron only; an interval is the same in every zone',
      });
  });
/** A schedule definition. */
export type ScheduleDefinition = z.infer<typeof ScheduleDefinitionSchema>;

/** `plans/schedules.yaml`: the schedules of bundled plans, applied by `phase schedule apply`. */
export const ScheduleFileSchema = z.strictObject({
  schedules: z.array(ScheduleDefinitionSchema).superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((d, i) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate schedule id "${d.id}"` });
      seen.add(d.id);
    });
  }),
});
/** The schedules file. */
export type ScheduleFile = z.infer<typeof ScheduleFileSchema>;
