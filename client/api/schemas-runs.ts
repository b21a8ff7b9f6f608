/**
 * Schemas of the run routes (`schemas.ts` is the entry module): listing, starting and cancelling
 * runs, their status, and decisions and operator actions on them. The run status schemas are the
 * engine's own (`workflows/status-schema.ts`), whose `z.infer` types the workflows use, so the two
 * cannot drift apart.
 */
import { z } from 'zod';
import { IdSchema } from '../../workflows/plan/schema';
import {
  GateStatusSchema as EngineGateStatusSchema,
  RunStateSchema as EngineRunStateSchema,
  RunStatusSchema as EngineRunStatusSchema,
  StepStatusSchema as EngineStepStatusSchema,
} from '../../workflows/status-schema';
import { NameSchema, PathIdSchema, ProblemSchema } from './schemas-common';
import { PhasePlanDocSchema, ProgramPlanDocSchema } from './schemas-plans';

// ---------------------------------------------------------------------------------------------
// Listing

/** Run states a list can be filtered on (`PhaseState` search attribute): the status's own states. */
export const RunStateSchema = EngineRunStateSchema;
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

/** Most runs one `POST /api/runs/batch` may start: bounds the request's work, and its share of the RPC slots. */
export const MAX_BATCH_RUNS = 100;

/**
 * Body of `POST /api/runs/batch`. Only the outer shape is checked here; each item is parsed with
 * {@link StartRunBodySchema} by the route, one by one, so a bad item fails alone (its own 400 entry).
 */
export const StartRunBatchBodySchema = z.strictObject(
  {
    runs: z
      .array(z.unknown(), { error: `must be an array of 1 to ${MAX_BATCH_RUNS} start bodies {plan, runId?}` })
      .min(1, { message: `must hold at least 1 run` })
      .max(MAX_BATCH_RUNS, { message: `must hold at most ${MAX_BATCH_RUNS} runs` })
      .describe(`1 to ${MAX_BATCH_RUNS} start bodies, each exactly the body of POST /api/runs`),
  },
  { error: 'must be an object {runs: [{plan, runId?}, ...]}' },
);
/** Batch-start body (items not yet parsed). */
export type StartRunBatchBody = z.infer<typeof StartRunBatchBodySchema>;

/** For the OpenAPI document: the batch body with each item's shape spelled out. */
export const StartRunBatchBodyDocSchema = StartRunBatchBodySchema.extend({
  runs: z
    .array(StartRunBodyDocSchema)
    .min(1)
    .max(MAX_BATCH_RUNS)
    .describe(`1 to ${MAX_BATCH_RUNS} start bodies, each exactly the body of POST /api/runs`),
});

/** One item of a batch that started: what `POST /api/runs` answers, with its 201. */
export const BatchStartedSchema = StartRunResponseSchema.extend({
  status: z.literal(201).describe('the run started'),
});
/** One item of a batch that did not start: the error envelope `POST /api/runs` would send, with its status. */
export const BatchFailedSchema = z
  .object({
    status: z
      .number()
      .int()
      .describe('the status POST /api/runs would answer: 400, 403, 404, 409 (run id taken), 503, 500'),
    error: z.string().describe('what went wrong, for people'),
    details: z
      .array(ProblemSchema)
      .optional()
      .describe('one entry per problem; paths are rooted at the batch body, e.g. runs[2].plan.steps[0].needs[0]'),
  })
  .describe('a run that did not start');
/** One item's result in a batch. */
export type BatchResult = z.infer<typeof BatchStartedSchema> | z.infer<typeof BatchFailedSchema>;

/** `POST /api/runs/batch` → 200. */
export const StartRunBatchResponseSchema = z.object({
  results: z
    .array(z.union([BatchStartedSchema, BatchFailedSchema]))
    .describe('one result per item of runs, in request order: status 201 with runId and uiUrl, or the error'),
  started: z.number().int().describe('how many results are 201'),
  failed: z.number().int().describe('how many results are errors'),
});
/** Batch-start answer. */
export type StartRunBatchResponse = z.infer<typeof StartRunBatchResponseSchema>;

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
