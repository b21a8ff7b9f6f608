/**
 * Schemas of the plan routes (`schemas.ts` is the entry module): validating a plan and listing the
 * bundled ones. The plan format itself is the engine's (`workflows/plan/schema.ts`), named here as
 * OpenAPI components.
 */
import { z } from 'zod';
import { PhasePlanSchema, ProgramPlanSchema } from '../../workflows/plan/schema';
import { ProblemSchema } from './schemas-common';

/** A phase plan (the plan format of SPEC §2). */
export const PhasePlanDocSchema = PhasePlanSchema.meta({ id: 'PhasePlan' });
/** A program plan: phases run one after another. */
export const ProgramPlanDocSchema = ProgramPlanSchema.meta({ id: 'ProgramPlan' });

/**
 * Body of `POST /api/plans/validate`: a plan object, or `{yaml: "<YAML or JSON text>"}` (both as
 * JSON), or the text itself sent raw with `Content-Type: application/yaml` or `text/plain` (the
 * string branch).
 */
export const ValidatePlanBodySchema = z
  .union([
    z.string(),
    z.strictObject({ yaml: z.string().describe('plan text, YAML or JSON') }),
    z.record(z.string(), z.unknown()),
  ])
  .describe('a plan object, {yaml: "<plan text>"}, or the raw text');
/** Validate-plan body. */
export type ValidatePlanBody = z.infer<typeof ValidatePlanBodySchema>;

/** For the OpenAPI document: the plan object variant spelled out. */
export const ValidatePlanBodyDocSchema = z.union([
  z.strictObject({ yaml: z.string() }),
  PhasePlanDocSchema,
  ProgramPlanDocSchema,
]);

/** `POST /api/plans/validate` → 200. */
export const ValidatePlanOkSchema = z.object({
  ok: z.literal(true),
  plan: z.union([PhasePlanDocSchema, ProgramPlanDocSchema]),
});
/** A valid plan answer. */
export type ValidatePlanOk = z.infer<typeof ValidatePlanOkSchema>;

/** `POST /api/plans/validate` → 400: every problem with its path. */
export const ValidatePlanFailedSchema = z.object({
  ok: z.literal(false),
  error: z.string(),
  errors: z.array(ProblemSchema),
  details: z.array(ProblemSchema),
});
/** An invalid plan answer. */
export type ValidatePlanFailed = z.infer<typeof ValidatePlanFailedSchema>;

/** A bundled plan in `GET /api/plans`. */
export const PlanSummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['phase', 'program']),
  description: z.string().optional(),
  steps: z.array(
    z.object({
      id: z.string(),
      title: z.string().optional(),
      agent: z.string().optional(),
      type: z.enum(['task', 'gate']),
      executor: z.string().optional().describe('the run: kind of a task'),
      needs: z.array(z.string()),
    }),
  ),
  phases: z.array(z.string()).optional().describe('programs: the phase ids, in order'),
});
/** A plan summary. */
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

/** `GET /api/plans` → 200. */
export const PlanListSchema = z.array(PlanSummarySchema);
