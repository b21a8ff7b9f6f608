/**
 * The run-level records of the run status (`status-schema.ts` is the entry module): compensations,
 * escalations, the event log, program phases, checkpoints and the run's source.
 */
import { z } from 'zod';
import { OutcomeSchema, RunStateSchema } from './status-schema-states';

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
