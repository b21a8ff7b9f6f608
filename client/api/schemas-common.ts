/**
 * Schemas every part of the HTTP API shares (`schemas.ts` is the entry module): path ids and the
 * run and step path parameters, the no-query rule, the error envelope, reported metrics, names,
 * attempt numbers, and the health answer.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Path and query parameters

/**
 * Ids in URL paths (runs, steps, gates, agents): no slashes, no `..`, bounded length. `:` is
 * allowed because Temporal names a run a schedule starts `<action workflow id>-<RFC 3339 time>`.
 */
export const PathIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, {
    message: 'must be 1-200 characters of [A-Za-z0-9._:-], starting with a letter or digit',
  })
  .refine((s) => !s.includes('..'), { message: 'must not contain ".."' });
/** A path id. */
export type PathId = z.infer<typeof PathIdSchema>;

/** `/api/runs/:runId/...` */
export const RunParamsSchema = z.strictObject({ runId: PathIdSchema.describe('the run id (the workflow id)') });
/** Parsed run path parameters. */
export type RunParams = z.infer<typeof RunParamsSchema>;

/** `/api/runs/:runId/steps/:stepId/...` */
export const StepParamsSchema = z.strictObject({
  runId: PathIdSchema,
  stepId: PathIdSchema.describe('a step id of the plan'),
});
/** Parsed step path parameters. */
export type StepParams = z.infer<typeof StepParamsSchema>;

/** Routes that take no query parameters reject any, so typos are not silently ignored. */
export const NoQuerySchema = z.strictObject({});

// ---------------------------------------------------------------------------------------------
// Shared pieces

/** One problem with a request or a plan: where (`plan.steps[1].needs[0]`) and what. */
export const ProblemSchema = z.object({ path: z.string(), message: z.string() }).meta({ id: 'Problem' });
/** A problem. */
export type Problem = z.infer<typeof ProblemSchema>;

/** The error envelope of every non-2xx response. */
export const ErrorSchema = z
  .object({
    error: z.string().describe('what went wrong, for people'),
    details: z.array(ProblemSchema).optional().describe('one entry per problem'),
  })
  .meta({ id: 'Error' });
/** An error envelope. */
export type ErrorBody = z.infer<typeof ErrorSchema>;

/** A metric value in API bodies: a number, a string of at most 1,000 characters, or a boolean. */
export const MetricValueSchema = z.union([z.number(), z.string().max(1000), z.boolean()]);
const MetricNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,99}$/, { message: 'metric names use [A-Za-z0-9_-] and start with a letter or _' });
/** Metrics an agent reports: at most 200 names. */
export const MetricsSchema = z
  .record(MetricNameSchema, MetricValueSchema)
  .refine((m) => Object.keys(m).length <= 200, { message: 'at most 200 metrics' })
  .describe('metric name -> number, string or boolean');
/** Reported metrics. */
export type Metrics = z.infer<typeof MetricsSchema>;

/** An approver's or claimant's name, where the request may give one: trimmed, not empty. */
export const NameSchema = z.string().trim().min(1, { message: 'must not be empty' }).max(200);
/** The attempt number a claim answered, quoted back by reports. */
export const AttemptSchema = z.number().int().min(1).max(1_000_000).describe('the attempt number from the claim');

// ---------------------------------------------------------------------------------------------
// Health

/** `GET /healthz`. */
export const HealthSchema = z.object({
  ok: z.boolean(),
  temporal: z.enum(['reachable', 'unreachable']),
  namespace: z.string(),
  taskQueue: z.string(),
  error: z.string().optional(),
});
/** Health answer. */
export type Health = z.infer<typeof HealthSchema>;
