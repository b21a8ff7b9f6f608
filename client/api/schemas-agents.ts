/**
 * Schemas of the external-agent routes (`schemas.ts` is the entry module): listing open agent
 * tasks, claiming one (a lease), and the heartbeat, complete and fail reports on a lease.
 */
import { z } from 'zod';
import type { ClaimResult } from '../../workflows/messages';
import { AttemptSchema, MetricValueSchema, MetricsSchema, NameSchema, PathIdSchema } from './schemas-common';
import { ListRunsQuerySchema } from './schemas-runs';

/** `/api/agents/:agent/tasks` */
export const AgentParamsSchema = z.strictObject({
  agent: PathIdSchema.describe("the agent name, as in the steps' `agent:`"),
});
/** Parsed agent path parameters. */
export type AgentParams = z.infer<typeof AgentParamsSchema>;

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
