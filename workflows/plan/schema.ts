/**
 * The plan format (SPEC §2): the one source of truth for plan files, the API, the JSON Schema
 * published for editors, and the types the workflow runs on. Structural rules live here; rules that
 * need the whole plan (ids, references, cycles, metrics) live in `validate.ts`.
 *
 * This is the entry module: it defines the plan kinds and re-exports the parts, which are split by
 * role — durations, ids and retry (`schema-common.ts`), executors (`schema-executors.ts`), gates
 * (`schema-gates.ts`), steps and metric rules (`schema-steps.ts`), notifications
 * (`schema-notify.ts`). Import from here, not from the parts.
 *
 * Workflow code imports only the inferred *types* from this module, so zod never enters the
 * workflow bundle.
 */
import { z } from 'zod';
import { DurationSchema, IdSchema, RetrySchema } from './schema-common';
import { NotifyTargetSchema } from './schema-notify';
import { StepSchema } from './schema-steps';

export { DurationSchema, IdSchema, RetrySchema, type Retry } from './schema-common';
export {
  AgentExecutorSchema,
  ExecutorSchema,
  HttpExecutorSchema,
  ShellExecutorSchema,
  SimulateExecutorSchema,
  type AgentExecutor,
  type Executor,
  type HttpExecutor,
  type ShellExecutor,
  type SimulateExecutor,
} from './schema-executors';
export { ApprovalSchema, CheckSchema, GateSchema, type Approval, type Check, type Gate } from './schema-gates';
export { MetricRuleSchema, StepSchema, type MetricRule, type Step } from './schema-steps';
export { NOTIFY_EVENTS, NotifyTargetSchema, type NotifyEvent, type NotifyTarget } from './schema-notify';

/** Plan-wide defaults merged into every task. */
export const DefaultsSchema = z.strictObject({
  retry: RetrySchema.optional(),
  timeout: DurationSchema.optional(),
  heartbeat: DurationSchema.optional(),
  onFailure: z.enum(['fail', 'hold']).optional(),
});

const StartAtSchema = z.iso.datetime({
  offset: true,
  message: 'startAt is an ISO 8601 date-time, e.g. 2026-01-13T22:00:00Z',
});

/** A phase plan. */
export const PhasePlanSchema = z.strictObject({
  id: IdSchema,
  kind: z.literal('phase').optional(),
  title: z.string().max(500).optional(),
  description: z.string().max(20_000).optional(),
  source: z.string().max(1000).optional().describe('the document this plan was written from'),
  deadline: DurationSchema.optional().describe('whole-run limit; passing it rolls back with outcome timed-out'),
  maxParallel: z.number().int().min(1).max(1000).optional(),
  escalateAfter: DurationSchema.optional(),
  startAt: StartAtSchema.optional(),
  defaults: DefaultsSchema.optional(),
  notify: z
    .array(NotifyTargetSchema)
    .min(1)
    .max(20)
    .optional()
    .describe('where run events are POSTed (besides PHASEGATE_WEBHOOK_URL)'),
  checkpoint: DurationSchema.optional().describe(
    'every this long while the run runs: a checkpoint event with a progress digest (status and notifications)',
  ),
  // 2,000 steps keep one run's status (query answer and result) well under Temporal's 2 MB
  // payload limit (bench/ANALYSIS.md measured 1.2 MB at 2,000 steps); split bigger work into a program.
  steps: z.array(StepSchema).min(1).max(2000),
});
/** A phase plan, as validated. */
export type PhasePlan = z.infer<typeof PhasePlanSchema>;

/** A program: phases run one after another; each is a bundled plan id or an inline phase plan. */
export const ProgramPlanSchema = z.strictObject({
  id: IdSchema,
  kind: z.literal('program'),
  title: z.string().max(500).optional(),
  description: z.string().max(20_000).optional(),
  source: z.string().max(1000).optional(),
  startAt: StartAtSchema.optional(),
  deadline: DurationSchema.optional().describe(
    'whole-program limit; passing it cancels the running phase (which rolls back) with outcome timed-out',
  ),
  notify: z
    .array(NotifyTargetSchema)
    .min(1)
    .max(20)
    .optional()
    .describe('where the run events of every phase are POSTed (added to the notify of each phase)'),
  phases: z
    .array(z.union([IdSchema, PhasePlanSchema]))
    .min(1)
    .max(100),
});
/** A program plan, as validated (its phases may still be plan ids). */
export type ProgramPlan = z.infer<typeof ProgramPlanSchema>;

/** A plan file: a phase (the default kind) or a program. */
export const PlanSchema = z.union([PhasePlanSchema, ProgramPlanSchema]);
/** A plan file, as validated. */
export type Plan = z.infer<typeof PlanSchema>;

/** A program whose phases have all been resolved to full phase plans (what the workflow runs). */
export type ResolvedProgramPlan = Omit<ProgramPlan, 'phases'> & { phases: PhasePlan[] };
