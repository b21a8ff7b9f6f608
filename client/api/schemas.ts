/**
 * Every request and response schema of the HTTP API, gathered in this one entry module: the
 * routes validate with them, the OpenAPI document is generated from them. Request schemas are
 * strict, so an unknown field is a 400 naming it rather than something silently ignored. Response
 * schemas describe what the server sends (they are documentation, not filters); the run status
 * ones are the engine's own schemas (`workflows/status-schema.ts`), whose `z.infer` types the
 * workflows use, so the two cannot drift apart.
 *
 * The schemas are defined in parts split by role — shared pieces and path parameters
 * (`schemas-common.ts`), plans (`schemas-plans.ts`), runs and decisions (`schemas-runs.ts`),
 * external agents (`schemas-agents.ts`), schedules (`schemas-schedules.ts`) — and re-exported here.
 * Import from here, not from the parts.
 */
export {
  ErrorSchema,
  HealthSchema,
  MetricsSchema,
  NoQuerySchema,
  PathIdSchema,
  ProblemSchema,
  RunParamsSchema,
  StepParamsSchema,
  type ErrorBody,
  type Health,
  type Metrics,
  type PathId,
  type Problem,
  type RunParams,
  type StepParams,
} from './schemas-common';
export {
  PhasePlanDocSchema,
  PlanListSchema,
  PlanSummarySchema,
  ProgramPlanDocSchema,
  ValidatePlanBodyDocSchema,
  ValidatePlanBodySchema,
  ValidatePlanFailedSchema,
  ValidatePlanOkSchema,
  type PlanSummary,
  type ValidatePlanBody,
  type ValidatePlanFailed,
  type ValidatePlanOk,
} from './schemas-plans';
export {
  BatchFailedSchema,
  BatchStartedSchema,
  CancelBodySchema,
  CancelResponseSchema,
  DecisionBodySchema,
  GateStatusSchema,
  ListRunsQuerySchema,
  MAX_BATCH_RUNS,
  OperatorActionBodySchema,
  RunListItemSchema,
  RunListSchema,
  RunStateSchema,
  RunStatusSchema,
  StartRunBatchBodyDocSchema,
  StartRunBatchBodySchema,
  StartRunBatchResponseSchema,
  StartRunBodyDocSchema,
  StartRunBodySchema,
  StartRunResponseSchema,
  StepStatusSchema,
  type BatchResult,
  type CancelResponse,
  type DecisionBody,
  type ListRunsQuery,
  type OperatorActionBody,
  type RunList,
  type RunListItem,
  type RunStateName,
  type StartRunBatchBody,
  type StartRunBatchResponse,
  type StartRunBody,
  type StartRunResponse,
} from './schemas-runs';
export {
  AgentParamsSchema,
  AgentTaskListSchema,
  AgentTaskSchema,
  AgentTasksQuerySchema,
  ClaimBodySchema,
  ClaimNextBodySchema,
  ClaimResultSchema,
  ClaimWaitSchema,
  CompleteBodySchema,
  FailBodySchema,
  HeartbeatBodySchema,
  LeaseIdSchema,
  type AgentParams,
  type AgentTask,
  type AgentTasksQuery,
  type ClaimBody,
  type ClaimNextBody,
  type CompleteBody,
  type FailBody,
  type HeartbeatBody,
  type Lease,
} from './schemas-agents';
export {
  ApplyScheduleResponseSchema,
  CreateScheduleBodySchema,
  ScheduleListSchema,
  ScheduleNoteBodySchema,
  ScheduleParamsSchema,
  ScheduleViewSchema,
  type ApplyScheduleResponse,
  type ScheduleList,
  type ScheduleNoteBody,
  type ScheduleParams,
} from './schemas-schedules';
