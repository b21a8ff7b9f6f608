/**
 * The input schemas of the MCP tools (SPEC §9), composed from the HTTP API's own request schemas
 * (`client/api/schemas.ts`): a tool's input is its route's path parameters plus its body (or query),
 * so a field means the same and is checked the same way in both. Strict: an unknown field is a
 * tool error naming it. The route parses its part again, so nothing here can loosen a rule.
 */
import { z } from 'zod';
import {
  AgentParamsSchema,
  ClaimNextBodySchema,
  CompleteBodySchema,
  DecisionBodySchema,
  FailBodySchema,
  HeartbeatBodySchema,
  ListRunsQuerySchema,
  RunParamsSchema,
  StartRunBodySchema,
  StepParamsSchema,
  ValidatePlanBodySchema,
} from '../api/schemas';

/** `list_plans`: no input. */
export const ListPlansInputSchema = z.strictObject({});

const [, YamlBodySchema, PlanObjectSchema] = ValidatePlanBodySchema.options;

/** `validate_plan`: `{plan}` (an object) or `{yaml}` (YAML or JSON text), exactly one. */
export const ValidatePlanInputSchema = z
  .strictObject({
    plan: PlanObjectSchema.optional().describe('the plan as an object'),
    yaml: YamlBodySchema.shape.yaml.optional().describe('the plan as YAML or JSON text'),
  })
  .refine((v) => (v.plan === undefined) !== (v.yaml === undefined), {
    message: 'send exactly one of plan (an object) or yaml (text)',
    path: ['plan'],
  });
/** Validate-plan input. */
export type ValidatePlanInput = z.infer<typeof ValidatePlanInputSchema>;

/** `start_run`: the body of `POST /api/runs`. */
export const StartRunInputSchema = StartRunBodySchema;

/** `get_run`, `cancel_run`, `get_report`: the run id. */
export const RunInputSchema = RunParamsSchema;

/** `list_runs`: the filters of `GET /api/runs`, typed as JSON (a boolean and a number instead of query strings). */
export const ListRunsInputSchema = z.strictObject({
  state: ListRunsQuerySchema.shape.state,
  plan: ListRunsQuerySchema.shape.plan,
  awaitingApproval: z.boolean().optional().describe('only runs (not) waiting for a go/no-go decision'),
  pageSize: z.number().int().min(1).max(1000).optional().describe('runs per page, 1-1000 (default 50)'),
  nextPageToken: ListRunsQuerySchema.shape.nextPageToken,
});
/** List-runs input. */
export type ListRunsInput = z.infer<typeof ListRunsInputSchema>;

/**
 * `next_task`: the agent name plus the body of `POST /api/agents/:agent/claim`. `wait` is taken as
 * the text the route reads ("30s"): the route's schema turns it into milliseconds, and the tool
 * passes its input on unchanged for the route to check.
 */
export const NextTaskInputSchema = AgentParamsSchema.extend({
  ...ClaimNextBodySchema.shape,
  wait: z
    .string()
    .max(20)
    .optional()
    .describe(
      'how long to wait for a task, e.g. "30s" (at most 60s; default: answer at once; many MCP clients time out a call at 60s)',
    ),
});
/** Next-task input. */
export type NextTaskInput = z.infer<typeof NextTaskInputSchema>;

/** `heartbeat_task`: the step plus the body of `POST /api/runs/:runId/steps/:stepId/heartbeat`. */
export const HeartbeatInputSchema = StepParamsSchema.extend(HeartbeatBodySchema.shape);
/** `complete_task`: the step plus the body of `…/complete`. */
export const CompleteInputSchema = StepParamsSchema.extend(CompleteBodySchema.shape);
/** `fail_task`: the step plus the body of `…/fail`. */
export const FailInputSchema = StepParamsSchema.extend(FailBodySchema.shape);

/** `pending_decisions`: optionally only the gates one approver may still vote on. */
export const PendingDecisionsInputSchema = z.strictObject({
  approver: DecisionBodySchema.shape.approver.describe(
    'only gates this approver is listed on and has not voted on yet',
  ),
});
/** Pending-decisions input. */
export type PendingDecisionsInput = z.infer<typeof PendingDecisionsInputSchema>;

/** `decide`: the run id plus the body of `POST /api/runs/:runId/decisions`. */
export const DecideInputSchema = RunParamsSchema.extend(DecisionBodySchema.shape);
