/**
 * A task step in the run status (`status-schema.ts` is the entry module): its attempts, its open
 * agent attempt and its output. `StepStatus` is a shared component of the OpenAPI document.
 */
import { z } from 'zod';
import { MetricValueSchema, StepStateSchema } from './status-schema-states';

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
