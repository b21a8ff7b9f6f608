/**
 * The run status (SPEC §4) as zod schemas, each beside its `z.infer` type: the one source for what
 * the `status` query returns, what `GET /api/runs/:runId` serves and what the OpenAPI document
 * says. Add a field here and it is in the engine's type, the API's response schema and the
 * document at once; fields may be added, never renamed.
 *
 * The three top-level schemas carry `.meta({id})`, which names them as shared components of the
 * OpenAPI document (client/api/openapi.ts).
 *
 * Workflow code imports only the TYPES of this module (`import type`, through `./status`), so zod
 * stays out of the workflow bundle; the API and the tests use the schemas.
 */
import { z } from 'zod';

/** Run-level state; `scheduled` while waiting for the plan's `startAt`; the last five are the outcomes. */
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
/** Run-level state; the last five are the outcomes. */
export type RunState = z.infer<typeof RunStateSchema>;

/** How a run ended. */
export const OutcomeSchema = z.enum(['succeeded', 'rejected', 'failed', 'cancelled', 'timed-out']);
/** How a run ended. */
export type Outcome = z.infer<typeof OutcomeSchema>;

/** States a task step moves through. */
export const StepStateSchema = z.enum([
  'pending',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
  'compensated',
  'compensation-failed',
]);
/** States a task step moves through. */
export type StepState = z.infer<typeof StepStateSchema>;

/** States a gate moves through; `cancelled`: the run ended (cancel, deadline) while the gate awaited decisions. */
export const GateStateSchema = z.enum(['pending', 'checking', 'awaiting-approval', 'go', 'no-go', 'cancelled']);
/** States a gate moves through. */
export type GateState = z.infer<typeof GateStateSchema>;

/** A metric value. */
export const MetricValueSchema = z.union([z.number(), z.string(), z.boolean()]);
/** A metric value. */
export type MetricValue = z.infer<typeof MetricValueSchema>;

/** One attempt of a task. */
export const AttemptRecordSchema = z.object({
  attempt: z.number(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  outcome: z.enum(['succeeded', 'failed']).optional(),
  error: z.string().nullable().optional(),
  /** For agent tasks: who claimed it. */
  claimedBy: z.string().nullable().optional().describe('agent tasks: who claimed the attempt'),
  /** For agent tasks: the lease of the attempt. */
  leaseId: z.string().nullable().optional().describe('agent tasks: the lease of the attempt'),
});
/** One attempt of a task. */
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/** An open `agent` attempt, as listed to agents. */
export const AgentTaskStateSchema = z.object({
  attempt: z.number(),
  claimedBy: z.string().nullable(),
  claimedAt: z.string().nullable(),
  lastHeartbeatAt: z.string().nullable(),
  instructions: z.string().optional(),
  leaseId: z.string().nullable().optional(),
  label: z.string().nullable().optional(),
  expiresAt: z.string().nullable().optional(),
});
/** An open `agent` attempt, as listed to agents. */
export type AgentTaskState = z.infer<typeof AgentTaskStateSchema>;

/** Output tails of the last attempt (shell) or response excerpt (http). */
export const StepOutputSchema = z.object({
  stdout: z.string().optional(),
  stderr: z.string().optional(),
  exitCode: z.number().optional(),
  httpStatus: z.number().optional(),
  body: z.string().optional(),
});

/** A task step in the status. */
export const StepStatusSchema = z
  .object({
    id: z.string(),
    type: z.literal('task'),
    title: z.string().optional(),
    agent: z.string().optional(),
    executor: z.string(),
    needs: z.array(z.string()),
    state: StepStateSchema,
    attempts: z.number(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    metrics: z.record(z.string(), MetricValueSchema),
    error: z.string().nullable(),
    summary: z.string().nullable().optional(),
    /** Output tails of the last attempt (shell) or response excerpt (http). */
    output: StepOutputSchema.nullable()
      .optional()
      .describe('output tails of the last attempt (shell) or response excerpt (http)'),
    attemptHistory: z.array(AttemptRecordSchema),
    /** Set while the task is held after exhausting its retries. */
    held: z.boolean().optional().describe('set while the task is held after exhausting its retries'),
    /** Set while an `agent` attempt is open. */
    agentTask: AgentTaskStateSchema.nullable().optional().describe('set while an agent attempt is open'),
    leaseId: z.string().nullable().optional().describe('agent tasks: the current lease'),
    claimedBy: z.string().nullable().optional().describe('agent tasks: identity holding the current lease'),
    label: z.string().nullable().optional().describe('agent tasks: label of the current lease holder'),
    leaseHolders: z
      .array(z.string())
      .optional()
      .describe('agent tasks: every identity that ever held a lease on this step'),
  })
  .meta({ id: 'StepStatus' });
/** A task step in the status. */
export type StepStatus = z.infer<typeof StepStatusSchema>;

/** A gate check and its result. */
export const CheckResultSchema = z.object({
  metric: z.string(),
  op: z.string(),
  value: MetricValueSchema,
  actual: MetricValueSchema.nullable(),
  passed: z.boolean(),
});
/** A gate check and its result. */
export type CheckResult = z.infer<typeof CheckResultSchema>;

/** One decision on a gate. */
export const VoteSchema = z.object({
  approver: z.string(),
  decision: z.enum(['go', 'no-go']),
  comment: z.string().optional(),
  at: z.string(),
  /** `update` (counted at once), `signal`, or `timeout` (the approval timeout decided). */
  via: z
    .enum(['update', 'signal', 'timeout', 'link', 'mcp'])
    .optional()
    .describe('update (counted at once), signal, timeout, link (an approval link), or mcp'),
  /** The nonce of the approval link the vote came through (single use). */
  linkNonce: z.string().optional().describe('the nonce of the approval link the vote came through (single use)'),
});
/** One decision on a gate. */
export type Vote = z.infer<typeof VoteSchema>;

/** A gate in the status. */
export const GateStatusSchema = z
  .object({
    id: z.string(),
    type: z.literal('gate'),
    title: z.string().optional(),
    needs: z.array(z.string()),
    state: GateStateSchema,
    checks: z.array(CheckResultSchema),
    votes: z.array(VoteSchema),
    quorum: z.number(),
    approvers: z.array(z.string()),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    /** When approval times out (ISO), while awaiting. */
    deadline: z.string().nullable().optional().describe('when approval times out (ISO), while awaiting'),
    /** How the gate was decided: `checks`, `votes`, `timeout`, `automatic`. */
    decidedBy: z.string().nullable().optional().describe('checks, votes, timeout or automatic'),
    /** Each `group:<name>` of `approvers` → its members when the run started. */
    approverGroups: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .describe('each group:<name> approver resolved to its members when the run started'),
    /** `approval.separateDuties`: the starter and the lease holders of the tasks it needs may not vote. */
    separateDuties: z
      .boolean()
      .optional()
      .describe("the run's starter and lease holders of tasks this gate needs may not vote"),
  })
  .meta({ id: 'GateStatus' });
/** A gate in the status. */
export type GateStatus = z.infer<typeof GateStatusSchema>;

/** One compensation, in the order run. */
export const CompensationRecordSchema = z.object({
  step: z.string(),
  state: z.enum(['succeeded', 'failed']),
  at: z.string(),
  error: z.string().nullable(),
  attempts: z.number().optional(),
});
/** One compensation, in the order run. */
export type CompensationRecord = z.infer<typeof CompensationRecordSchema>;

/** One escalation: a task or gate stayed in one state too long. */
export const EscalationRecordSchema = z.object({
  step: z.string(),
  reason: z.string(),
  at: z.string(),
  state: z.string().optional(),
});
/** One escalation: a task or gate stayed in one state too long. */
export type EscalationRecord = z.infer<typeof EscalationRecordSchema>;

/** One entry of the run's event log (the audit trail beside Temporal's own history). */
export const RunEventSchema = z.object({
  at: z.string(),
  type: z.string(),
  step: z.string().optional(),
  message: z.string(),
});
/** One entry of the run's event log (the audit trail beside Temporal's own history). */
export type RunEvent = z.infer<typeof RunEventSchema>;

/** A child phase of a program: `runId` null and state `pending` until the phase starts. */
export const PhaseRecordSchema = z.object({
  plan: z.string(),
  runId: z.string().nullable().describe('the phase run id (<program>--<phase>); null until the phase starts'),
  outcome: OutcomeSchema.nullable(),
  state: z
    .union([RunStateSchema, z.literal('pending')])
    .optional()
    .describe("pending, running (the API shows the running phase's live state), then the outcome"),
  title: z.string().optional(),
});
/** A child phase of a program. */
export type PhaseRecord = z.infer<typeof PhaseRecordSchema>;

/** One checkpoint: the run's progress digest at that time. */
export const CheckpointRecordSchema = z.object({
  seq: z.number(),
  at: z.string(),
  state: z.string(),
  steps: z.record(z.string(), z.number()).describe('steps (tasks and gates) by state'),
  gatesWaiting: z.array(z.string()),
  escalations: z.number(),
  elapsed: z.string(),
});
/** One checkpoint. */
export type CheckpointRecord = z.infer<typeof CheckpointRecordSchema>;

/** Which definition a run runs: a bundled plan file or a plan sent with the start, and its hash. */
export const RunSourceSchema = z.object({
  kind: z.enum(['bundled', 'inline']),
  sha256: z.string().describe('SHA-256 (hex) of the canonical JSON of the plan as run'),
});
/** A run's source. */
export type RunSource = z.infer<typeof RunSourceSchema>;

/** The whole run status. */
export const RunStatusSchema = z
  .object({
    runId: z.string(),
    plan: z.string(),
    title: z.string(),
    kind: z.enum(['phase', 'program']),
    state: RunStateSchema,
    outcome: OutcomeSchema.nullable(),
    /** Why the run ended the way it did (the original cause of a rollback). */
    cause: z.string().nullable().describe('why the run ended the way it did (the original cause of a rollback)'),
    startedAt: z.string().nullable().describe('when the run started; null while it is scheduled (waiting for startAt)'),
    /** The plan's `startAt`, when the run waited (or waits) for it. */
    startAt: z.string().optional().describe('the startAt the run waits (or waited) for'),
    endedAt: z.string().nullable(),
    steps: z.array(StepStatusSchema),
    gates: z.array(GateStatusSchema),
    compensations: z.array(CompensationRecordSchema),
    escalations: z.array(EscalationRecordSchema),
    events: z.array(RunEventSchema),
    /** How many events were left out of `events` to bound its size (the Temporal history has them all). */
    eventsDropped: z
      .number()
      .optional()
      .describe('how many events were left out of events to bound its size (the Temporal history has them all)'),
    phases: z.array(PhaseRecordSchema).optional(),
    /** The Temporal Schedule that started the run, or null. */
    scheduleId: z.string().nullable().optional().describe('the Temporal Schedule that started the run, or null'),
    /** Which definition ran (null: not started through the API, e.g. by `temporal workflow start`). */
    source: RunSourceSchema.nullable()
      .optional()
      .describe('which definition ran: bundled or inline, with its sha256; null when not started through the API'),
    /** Token identity of whoever started the run; null without tokens. */
    startedBy: z
      .string()
      .nullable()
      .optional()
      .describe('token identity of whoever started the run; null without tokens'),
    /** The last checkpoints (plan `checkpoint`), oldest first. */
    checkpoints: z
      .array(CheckpointRecordSchema)
      .optional()
      .describe('the last 20 checkpoints (plan checkpoint: ...), oldest first'),
  })
  .meta({ id: 'RunStatus' });
/** The whole run status. */
export type RunStatus = z.infer<typeof RunStatusSchema>;
