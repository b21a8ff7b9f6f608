/**
 * A gate in the run status (`status-schema.ts` is the entry module): its check results and votes.
 * `GateStatus` is a shared component of the OpenAPI document.
 */
import { z } from 'zod';
import { GateStateSchema, MetricValueSchema } from './status-schema-states';

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
