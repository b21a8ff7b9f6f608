/**
 * Building blocks of the plan format (`schema.ts` is the entry module): durations, ids and the
 * retry policy, which tasks, gates, defaults and plans all use.
 */
import { z } from 'zod';
import { isDuration } from './duration';

const ID = /^[a-z0-9][a-z0-9-]*$/;

/** A duration string such as `500ms`, `30s`, `15m`, `6h`, `2d` or `1h30m`. */
export const DurationSchema = z
  .string()
  .refine(isDuration, { message: 'malformed duration: use a number and a unit, e.g. 500ms, 30s, 15m, 6h, 2d' })
  .describe('Duration: 500ms, 30s, 15m, 6h, 2d (compounds like 1h30m allowed)');

/** Step and plan ids: lowercase letters, digits and dashes. */
export const IdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(ID, { message: 'ids use lowercase letters, digits and dashes ([a-z0-9-]), starting with a letter or digit' });

/** Retry policy of a task (per attempt; merged over `defaults.retry`). */
export const RetrySchema = z
  .strictObject({
    maximumAttempts: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('attempts in all, including the first (default 3)'),
    initialInterval: DurationSchema.optional().describe('wait before the second attempt (default 1s)'),
    backoffCoefficient: z.number().min(1).max(100).optional().describe('growth of the wait per attempt (default 2)'),
    maximumInterval: DurationSchema.optional().describe('cap on the wait between attempts (default 5m)'),
  })
  .describe('Retry policy');
/** A retry policy; unset fields take the defaults named in `RetrySchema`. */
export type Retry = z.infer<typeof RetrySchema>;
