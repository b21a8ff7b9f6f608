/**
 * The plan format (SPEC §2): the one source of truth for plan files, the API, the JSON Schema
 * published for editors, and the types the workflow runs on. Structural rules live here; rules that
 * need the whole plan (ids, references, cycles, metrics) live in `validate.ts`.
 *
 * Workflow code imports only the inferred *types* from this module, so zod never enters the
 * workflow bundle.
 */
import { RE2JS } from 're2js';
import { z } from 'zod';
import { isDuration } from './duration';
import { isRefusedEnvName, refusedEnvMessage } from './env-policy';

/** Why RE2 (the engine metric rules run on) cannot compile `source`, or undefined. */
function re2Problem(source: string): string | undefined {
  try {
    RE2JS.compile(source, RE2JS.MULTILINE);
    return undefined;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^error parsing regexp: /, '').slice(0, 200);
  }
}
import { GROUP_NAME, GROUP_PREFIX } from './groups';

const ID = /^[a-z0-9][a-z0-9-]*$/;
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A duration string such as `500ms`, `30s`, `15m`, `6h`, `2d` or `1h30m`. */
export const DurationSchema = z
  .string()
  .refine(isDuration, { message: 'malformed duration: use a number and a unit, e.g. 500ms, 30s, 15m, 6h, 2d' })
  .describe('Duration: 500ms, 30s, 15m, 6h, 2d (compounds like 1h30m allowed)');

/** Step and plan ids: lowercase letters, digits and dashes. */
export const IdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(ID, { message: 'ids use lowercase letters, digits and dashes ([a-z0-9-]), starting with a letter or digit' });

/** Retry policy of a task (per attempt; merged over `defaults.retry`). */
export const RetrySchema = z
  .strictObject({
    maximumAttempts: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('attempts in all, including the first (default 3)'),
    initialInterval: DurationSchema.optional().describe('wait before the second attempt (default 1s)'),
    backoffCoefficient: z.number().min(1).max(100).optional().describe('growth of the wait per attempt (default 2)'),
    maximumInterval: DurationSchema.optional().describe('cap on the wait between attempts (default 5m)'),
  })
  .describe('Retry policy');
export type Retry = z.infer<typeof RetrySchema>;

const EnvMapSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'environment variable names use [A-Za-z0-9_]' })
    .refine((name) => !isRefusedEnvName(name), { error: (issue) => refusedEnvMessage(String(issue.input)) }),
  z.string(),
);

/** `shell`: a command as an argv array (no shell) or a script run explicitly by `bash -c`. */
export const ShellExecutorSchema = z
  .strictObject({
    kind: z.literal('shell'),
    command: z
      .array(z.string())
      .min(1)
      .max(1000)
      .optional()
      .describe('argv; the first item is the program, run without a shell'),
    script: z.string().min(1).max(100_000).optional().describe('a bash script, run as bash -c <script>'),
    cwd: z.string().min(1).optional().describe("working directory, relative to the worker's PHASEGATE_WORKDIR"),
    env: EnvMapSchema.optional().describe('extra environment variables'),
    timeout: DurationSchema.optional().describe('kill the process group after this long'),
    nonRetryableExitCodes: z
      .array(z.number().int().min(0).max(255))
      .optional()
      .describe('exit codes that fail the task for good'),
  })
  .superRefine((v, ctx) => {
    if ((v.command === undefined) === (v.script === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'shell needs exactly one of command (argv array) or script',
      });
    }
  });
export type ShellExecutor = z.infer<typeof ShellExecutorSchema>;

/** `http`: one request; 2xx succeeds, 4xx (but 408/429) fails for good, others retry. */
export const HttpExecutorSchema = z.strictObject({
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, message: 'url must be an absolute http(s) URL' }),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional().describe('default POST'),
  headers: z
    .record(z.string().min(1), z.string())
    .optional()
    .describe('values may reference ${ENV_NAME}, resolved on the worker'),
  body: z.unknown().optional().describe('JSON body (strings are sent as they are)'),
  timeout: DurationSchema.optional().describe('request timeout (default 30s)'),
});
export type HttpExecutor = z.infer<typeof HttpExecutorSchema>;

/** `agent`: an external agent claims the task, heartbeats and completes or fails it through the API. */
export const AgentExecutorSchema = z.strictObject({
  kind: z.literal('agent'),
  claimTimeout: DurationSchema.optional().describe('an unclaimed attempt fails after this long (default: none)'),
  instructions: z.string().max(100_000).optional().describe('what the agent should do, handed over on claim'),
});
export type AgentExecutor = z.infer<typeof AgentExecutorSchema>;

/** `simulate`: waits, optionally fails the first attempts, reports fixed metrics. For demos and tests. */
export const SimulateExecutorSchema = z.strictObject({
  kind: z.literal('simulate'),
  duration: DurationSchema.optional().describe('how long each attempt takes (default 0s)'),
  failAttempts: z.number().int().min(0).max(1000).optional().describe('fail the first N attempts'),
  metrics: z
    .record(z.string(), z.union([z.number(), z.string(), z.boolean()]))
    .optional()
    .describe('fixed metric values'),
});
export type SimulateExecutor = z.infer<typeof SimulateExecutorSchema>;

/** What a task (or its rollback) runs. */
export const ExecutorSchema = z.discriminatedUnion('kind', [
  ShellExecutorSchema,
  HttpExecutorSchema,
  AgentExecutorSchema,
  SimulateExecutorSchema,
]);
export type Executor = z.infer<typeof ExecutorSchema>;

/** How one metric is read from a task's result; `{}` means the executor reports it itself. */
export const MetricRuleSchema = z.strictObject({
  from: z.enum(['stdout', 'stderr', 'body']).optional().describe('where the regex looks (default stdout)'),
  regex: z
    .string()
    .min(1)
    .max(2000)
    // Metric regexes run on RE2 (linear time: a plan cannot stall the worker), so refuse here what
    // RE2 cannot compile — backreferences, lookaround — rather than at run time.
    .superRefine((r, ctx) => {
      const problem = re2Problem(r);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `not a regular expression RE2 can run (${problem}): no backreferences or lookaround`,
        });
    })
    .optional()
    .describe('the first capture group (or the whole match) becomes the value'),
});
export type MetricRule = z.infer<typeof MetricRuleSchema>;

const MetricsSchema = z.record(
  z.string().regex(METRIC_NAME, { message: 'metric names use [A-Za-z0-9_-]' }),
  MetricRuleSchema,
);

/** A quality check on an upstream task's metric. */
export const CheckSchema = z.strictObject({
  metric: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*\.[A-Za-z_][A-Za-z0-9_-]*$/, { message: 'metric is <step-id>.<metric-name>' }),
  op: z.enum(['<', '<=', '>', '>=', '==', '!=']),
  value: z.union([z.number(), z.string(), z.boolean()]),
});
export type Check = z.infer<typeof CheckSchema>;

/** Human go/no-go on a gate. */
export const ApprovalSchema = z.strictObject({
  approvers: z
    .array(
      z
        .string()
        .min(1)
        .max(200)
        .refine((a) => !a.startsWith(GROUP_PREFIX) || GROUP_NAME.test(a.slice(GROUP_PREFIX.length)), {
          message: 'a group is group:<name>, the name in lowercase letters, digits, - and _',
        }),
    )
    .min(1)
    .describe(
      'identities allowed to vote; "group:<name>" stands for every member of that group (PHASEGATE_GROUPS or token groups)',
    ),
  quorum: z.number().int().min(1).optional().describe('distinct go votes needed (default 1); any no-go rejects'),
  separateDuties: z
    .boolean()
    .optional()
    .describe('refuse votes by whoever started the run or held a lease on a task this gate needs (default false)'),
  timeout: DurationSchema.optional().describe('how long to wait for decisions (default: forever)'),
  onTimeout: z.enum(['go', 'no-go']).optional().describe('decision when the timeout passes (default no-go)'),
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** A gate: checks over task metrics, then (optionally) a human decision. */
export const GateSchema = z.strictObject({
  needs: z.array(IdSchema).optional(),
  checks: z.array(CheckSchema).optional(),
  onCheckFailure: z
    .enum(['no-go', 'ask'])
    .optional()
    .describe('no-go (default) rejects the run; ask lets approvers decide seeing the failed checks'),
  approval: ApprovalSchema.optional().describe('omit for an automatic gate'),
});
export type Gate = z.infer<typeof GateSchema>;

/** Fields a task or gate step may carry; `validate.ts` checks which belong to which. */
export const StepSchema = z
  .strictObject({
    id: IdSchema,
    title: z.string().max(500).optional(),
    description: z.string().max(20_000).optional(),
    agent: z.string().min(1).max(200).optional().describe('who does it (roster name)'),
    priority: z.union([z.number().int(), z.string().max(50)]).optional(),
    needs: z.array(IdSchema).optional().describe('steps that must be done first'),
    run: ExecutorSchema.optional(),
    rollback: ExecutorSchema.optional().describe('compensation run when the run rolls back'),
    retry: RetrySchema.optional(),
    timeout: DurationSchema.optional().describe('limit for one attempt'),
    heartbeat: DurationSchema.optional().describe('an attempt silent for longer fails'),
    escalateAfter: DurationSchema.optional(),
    onFailure: z.enum(['fail', 'hold']).optional().describe('fail (default) rolls back; hold waits for an operator'),
    metrics: MetricsSchema.optional(),
    gate: GateSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.run === undefined) === (s.gate === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['run'], message: 'a step has exactly one of run (a task) or gate' });
      return;
    }
    if (s.gate) {
      for (const key of ['rollback', 'retry', 'timeout', 'heartbeat', 'onFailure', 'metrics'] as const) {
        if (s[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} is for tasks, not gates` });
      }
    }
    if (s.rollback?.kind === 'agent') {
      ctx.addIssue({ code: 'custom', path: ['rollback', 'kind'], message: 'rollback cannot be an agent task' });
    }
  });
export type Step = z.infer<typeof StepSchema>;

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

/** Run events a plan's `notify` targets (and `PHASEGATE_WEBHOOK_URL`) receive. */
export const NOTIFY_EVENTS = [
  'approval-requested',
  'approval-decided',
  'held',
  'escalated',
  'checkpoint',
  'ended',
] as const;
/** A run event name. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** True for an http(s) URL, `${NAME}` references (expanded on the worker) standing for any text. */
function isNotifyUrl(url: string): boolean {
  try {
    const u = new URL(url.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, 'x'));
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(url);
  }
}

/** Where a plan's run events are POSTed, which events, and as what. */
export const NotifyTargetSchema = z.strictObject({
  url: z
    .string()
    .max(2000)
    .refine(isNotifyUrl, {
      message:
        'must be an http(s) URL; ${NAME} parts are expanded on the worker from PHASEGATE_SECRETS / PHASEGATE_SECRET_* variables',
    })
    .describe(
      'webhook URL; ${NAME} (a worker secret) may stand for a part or the whole, e.g. ${PHASEGATE_SECRET_SLACK_HOOK}',
    ),
  events: z.array(z.enum(NOTIFY_EVENTS)).min(1).optional().describe('events to send (default: all)'),
  format: z
    .enum(['json', 'slack'])
    .optional()
    .describe('json (default): the event as JSON; slack: a Slack message (text + blocks)'),
});
/** A notify target. */
export type NotifyTarget = z.infer<typeof NotifyTargetSchema>;

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
export type ProgramPlan = z.infer<typeof ProgramPlanSchema>;

/** A plan file: a phase (the default kind) or a program. */
export const PlanSchema = z.union([PhasePlanSchema, ProgramPlanSchema]);
export type Plan = z.infer<typeof PlanSchema>;

/** A program whose phases have all been resolved to full phase plans (what the workflow runs). */
export type ResolvedProgramPlan = Omit<ProgramPlan, 'phases'> & { phases: PhasePlan[] };
