/**
 * Every request and response schema of the HTTP API, in one module: the routes validate with
 * them, the OpenAPI document is generated from them. Request schemas are strict, so an unknown
 * field is a 400 naming it rather than something silently ignored. Response schemas describe what
 * the server sends (they are documentation, not filters); the run status ones are the engine's own
 * schemas (`workflows/status-schema.ts`), whose `z.infer` types the workflows use, so the two
 * cannot drift apart.
 */
import { z } from 'zod';
import { IdSchema, PhasePlanSchema, ProgramPlanSchema } from '../../workflows/plan/schema';
import type { ClaimResult } from '../../workflows/messages';
import {
  GateStatusSchema as EngineGateStatusSchema,
  RunStatusSchema as EngineRunStatusSchema,
  StepStatusSchema as EngineStepStatusSchema,
} from '../../workflows/status-schema';
import { OverlapSchema, ScheduleDefinitionSchema, ScheduleIdSchema } from '../schedules/definition';
import type { ScheduleView } from '../schedules/temporal';

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

/** `/api/agents/:agent/tasks` */
export const AgentParamsSchema = z.strictObject({
  agent: PathIdSchema.describe("the agent name, as in the steps' `agent:`"),
});
/** Parsed agent path parameters. */
export type AgentParams = z.infer<typeof AgentParamsSchema>;

/** Run states a list can be filtered on (`PhaseState` search attribute). */
export const RunStateSchema = z.enum([
  'scheduled',
  'running',
  'awaiting-approval',
  'held',
  'rolling-back',
  'succeeded',
  'rejected',
  'failed',
  'cancelled',
  'timed-out',
]);
/** A run state. */
export type RunStateName = z.infer<typeof RunStateSchema>;

/** Query of `GET /api/runs`. Values are whitelisted here, so nothing reaches the visibility query unchecked. */
export const ListRunsQuerySchema = z.strictObject({
  state: RunStateSchema.optional().describe('only runs in this state'),
  plan: IdSchema.optional().describe('only runs of this plan id'),
  awaitingApproval: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('only runs (not) waiting for a decision'),
  source: z
    .enum(['bundled', 'inline'])
    .optional()
    .describe('only runs of a bundled plan file, or of a plan sent with the start'),
  pageSize: z
    .string()
    .regex(/^[0-9]{1,4}$/, { message: 'must be a whole number from 1 to 200' })
    .transform(Number)
    // Bounded: a page is one visibility call plus a decode per run; big pages under load starve others.
    .pipe(z.number().int().min(1, { message: 'must be at least 1' }).max(200, { message: 'must be at most 200' }))
    .optional()
    .describe('runs per page, 1-200 (default 50)'),
  nextPageToken: z
    .string()
    .max(4096)
    .regex(/^[A-Za-z0-9_-]*$/, { message: 'must be the opaque token of a previous page' })
    .optional()
    .describe('from the previous page'),
});
/** Parsed run-list query. */
export type ListRunsQuery = z.infer<typeof ListRunsQuerySchema>;

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

const MetricValueSchema = z.union([z.number(), z.string().max(1000), z.boolean()]);
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

const NameSchema = z.string().trim().min(1, { message: 'must not be empty' }).max(200);
const AttemptSchema = z.number().int().min(1).max(1_000_000).describe('the attempt number from the claim');

// ---------------------------------------------------------------------------------------------
// Plans

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

// ---------------------------------------------------------------------------------------------
// Runs

/** Body of `POST /api/runs`. The plan object is validated by the plan validator, which names paths such as `plan.steps[1].needs[0]`. */
export const StartRunBodySchema = z.strictObject({
  plan: z
    .union([IdSchema, z.record(z.string(), z.unknown())], {
      error: 'must be a bundled plan id ([a-z0-9-]) or a plan object',
    })
    .describe('a bundled plan id, or a whole plan object'),
  runId: PathIdSchema.optional().describe('the run id to use (default: <plan-id>-<4 hex>)'),
});
/** Start-run body. */
export type StartRunBody = z.infer<typeof StartRunBodySchema>;

/** For the OpenAPI document: the start body with the plan formats spelled out. */
export const StartRunBodyDocSchema = StartRunBodySchema.extend({
  plan: z.union([IdSchema, PhasePlanDocSchema, ProgramPlanDocSchema]),
});

/** `POST /api/runs` → 201. */
export const StartRunResponseSchema = z.object({
  runId: z.string(),
  uiUrl: z.string().describe('the run in the Temporal Web UI'),
});
/** Start-run answer. */
export type StartRunResponse = z.infer<typeof StartRunResponseSchema>;

/** One run in `GET /api/runs`. */
export const RunListItemSchema = z.object({
  runId: z.string(),
  plan: z.string().nullable(),
  state: z.string().nullable().describe('the PhaseState search attribute'),
  awaitingApproval: z.boolean().nullable(),
  startTime: z.string().nullable(),
  closeTime: z.string().nullable(),
  status: z
    .string()
    .describe(
      'Temporal execution status: RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW',
    ),
  uiUrl: z.string(),
});
/** A run list item. */
export type RunListItem = z.infer<typeof RunListItemSchema>;

/** `GET /api/runs` → 200. */
export const RunListSchema = z.object({ runs: z.array(RunListItemSchema), nextPageToken: z.string().nullable() });
/** A page of runs. */
export type RunList = z.infer<typeof RunListSchema>;

/**
 * A task step in a run's status: the engine's own schema (`workflows/status-schema.ts`), so a field
 * added to the status is in the API's responses and the OpenAPI document at once.
 */
export const StepStatusSchema = EngineStepStatusSchema;

/** A gate in a run's status; also the answer to a decision. The engine's own schema. */
export const GateStatusSchema = EngineGateStatusSchema;

/** The whole run status (the `status` query), SPEC §4. The engine's own schema. */
export const RunStatusSchema = EngineRunStatusSchema;

/** `POST /api/runs/:runId/cancel` → 202. */
export const CancelResponseSchema = z.object({ runId: z.string(), cancelRequested: z.literal(true) });
/** Cancel answer. */
export type CancelResponse = z.infer<typeof CancelResponseSchema>;

/** Optional body of `cancel`: nothing, or `{}`. */
export const CancelBodySchema = z.strictObject({});

// ---------------------------------------------------------------------------------------------
// Decisions and operator actions

/** Body of `POST /api/runs/:runId/decisions`. `approver` is accepted only when auth is off. */
export const DecisionBodySchema = z.strictObject({
  gate: IdSchema.describe('the gate step id'),
  decision: z.enum(['go', 'no-go']),
  comment: z.string().max(2000).optional(),
  approver: NameSchema.optional().describe(
    'only when the server runs without tokens; with tokens the approver is the token identity',
  ),
});
/** Decision body. */
export type DecisionBody = z.infer<typeof DecisionBodySchema>;

/** Optional body of `retry` / `skip`. */
export const OperatorActionBodySchema = z.strictObject({ comment: z.string().max(2000).optional() });
/** Operator action body. */
export type OperatorActionBody = z.infer<typeof OperatorActionBodySchema>;

// ---------------------------------------------------------------------------------------------
// External agents

/** One open agent task, across runs (SPEC §4 list shape, plus `label` and `openedAt`). */
export const AgentTaskSchema = z.object({
  runId: z.string(),
  stepId: z.string(),
  title: z.string().nullable(),
  agent: z.string(),
  attempt: z.number(),
  claimedBy: z.string().nullable().describe('identity holding the current lease, or null while the task is free'),
  label: z.string().optional().describe("the lease holder's label (host/pid), when it gave one"),
  openedAt: z.string().optional().describe('when the attempt opened (oldest first within a run)'),
  instructions: z.string().optional(),
});
/** An open agent task. */
export type AgentTask = z.infer<typeof AgentTaskSchema>;

/** `GET /api/agents/:agent/tasks` → 200: one page; `X-Next-Page-Token` and `Link: rel="next"` say there is more. */
export const AgentTaskListSchema = z.array(AgentTaskSchema);

/** Query of `GET /api/agents/:agent/tasks`. */
export const AgentTasksQuerySchema = z.strictObject({
  pageSize: ListRunsQuerySchema.shape.pageSize.describe(
    'runs per page, as for GET /api/runs (default 100); a page lists every open task of its runs',
  ),
  nextPageToken: ListRunsQuerySchema.shape.nextPageToken.describe('the X-Next-Page-Token of the previous page'),
});
/** Parsed agent-task list query. */
export type AgentTasksQuery = z.infer<typeof AgentTasksQuerySchema>;

/** A lease id: the claim's answer, or a client's own choice in a claim (so a retry gets the same lease). */
export const LeaseIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, {
    message: 'must be 1-100 characters of [A-Za-z0-9._:-], starting with a letter or digit',
  })
  .describe('the lease id');

const LabelSchema = z
  .string()
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(200)
  .describe('shown next to the identity (e.g. host/pid); never an identity');

/** Body of a step's `claim`. With tokens the identity is the token's; `claimant` then only labels. */
export const ClaimBodySchema = z.strictObject({
  claimant: NameSchema.optional().describe(
    'without tokens: the identity (default: the agent name); with tokens: a label',
  ),
  label: LabelSchema.optional(),
  leaseId: LeaseIdSchema.optional().describe('your own lease id: repeating the claim with it returns the same lease'),
  attempt: AttemptSchema.optional().describe('only claim this attempt'),
});
/** Claim body. */
export type ClaimBody = z.infer<typeof ClaimBodySchema>;

/** `wait` of a claim-next: a duration up to 60 s. */
export const ClaimWaitSchema = z
  .string()
  .regex(/^[0-9]{1,6}(ms|s)$/, { message: 'must be a duration like "30s" or "500ms", at most 60s' })
  .transform((w) => (w.endsWith('ms') ? Number(w.slice(0, -2)) : Number(w.slice(0, -1)) * 1000))
  .pipe(z.number().max(60_000, { message: 'must be at most 60s' }));

/** Body of `POST /api/agents/:agent/claim`. */
export const ClaimNextBodySchema = z.strictObject({
  wait: ClaimWaitSchema.optional().describe('how long to wait for a task, up to 60s (default 0: answer at once)'),
  runId: PathIdSchema.optional().describe('only tasks of this run'),
  leaseId: LeaseIdSchema.optional().describe('your own lease id: repeating the claim with it returns the same lease'),
  label: LabelSchema.optional(),
  claimant: NameSchema.optional().describe(
    'without tokens: the identity (default: the agent name); with tokens: a label',
  ),
});
/** Claim-next body. */
export type ClaimNextBody = z.infer<typeof ClaimNextBodySchema>;

const LeaseInputSchema = z.object({ metrics: z.record(z.string(), MetricValueSchema), summary: z.string().nullable() });

/** A lease (SPEC §4): the answer of both claims. */
export const ClaimResultSchema = z
  .object({
    leaseId: z.string().describe('quote it in heartbeat, complete and fail'),
    runId: z.string(),
    stepId: z.string(),
    attempt: z.number(),
    agent: z.string().optional(),
    claimedBy: z.string().describe('the lease holder: the token identity (without tokens: claimant or agent name)'),
    label: z.string().optional(),
    title: z.string().optional(),
    instructions: z.string().optional(),
    description: z.string().optional(),
    inputs: z.record(z.string(), LeaseInputSchema).describe('metrics and summary of each step this task needs'),
    heartbeatTimeout: z.string().optional().describe('silence longer than this releases the lease'),
    expiresAt: z.string().optional().describe('when the lease lapses without a heartbeat'),
    metrics: z.array(z.string()).describe('metric names the plan expects'),
  })
  .meta({ id: 'ClaimResult' });
/** A lease, as the API sends it. */
export type Lease = z.infer<typeof ClaimResultSchema>;
const _claimFits = (c: ClaimResult): Lease => c;
void _claimFits;

const ReportFields = {
  leaseId: LeaseIdSchema.describe('the lease this report is for; 409 when it is no longer the current one'),
  attempt: AttemptSchema.optional(),
  claimant: NameSchema.optional().describe('ignored with tokens (the token identity must hold the lease)'),
};

/** Body of `heartbeat`. */
export const HeartbeatBodySchema = z.strictObject({ ...ReportFields, progress: z.string().max(2000).optional() });
/** Heartbeat body. */
export type HeartbeatBody = z.infer<typeof HeartbeatBodySchema>;

/** Body of `complete`. */
export const CompleteBodySchema = z.strictObject({
  ...ReportFields,
  metrics: MetricsSchema.optional(),
  summary: z.string().max(10_000).optional(),
});
/** Complete body. */
export type CompleteBody = z.infer<typeof CompleteBodySchema>;

/** Body of `fail`. `retryable: false` fails the task for good. */
export const FailBodySchema = z.strictObject({
  ...ReportFields,
  reason: z.string().min(1).max(10_000),
  retryable: z.boolean().optional(),
});
/** Fail body. */
export type FailBody = z.infer<typeof FailBodySchema>;

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

// ---------------------------------------------------------------------------------------------
// Schedules (recurring runs on Temporal Schedules)

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
