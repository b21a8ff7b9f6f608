/**
 * What a task (or its rollback) runs: the four executor kinds of the plan format (`schema.ts` is
 * the entry module). The workers' activities implement them (`activities/`).
 */
import { z } from 'zod';
import { DurationSchema } from './schema-common';
import { isRefusedEnvName, refusedEnvMessage } from './env-policy';

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
/** A `shell` executor. */
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
/** An `http` executor. */
export type HttpExecutor = z.infer<typeof HttpExecutorSchema>;

/** `agent`: an external agent claims the task, heartbeats and completes or fails it through the API. */
export const AgentExecutorSchema = z.strictObject({
  kind: z.literal('agent'),
  claimTimeout: DurationSchema.optional().describe('an unclaimed attempt fails after this long (default: none)'),
  instructions: z.string().max(100_000).optional().describe('what the agent should do, handed over on claim'),
});
/** An `agent` executor. */
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
/** A `simulate` executor. */
export type SimulateExecutor = z.infer<typeof SimulateExecutorSchema>;

/** What a task (or its rollback) runs. */
export const ExecutorSchema = z.discriminatedUnion('kind', [
  ShellExecutorSchema,
  HttpExecutorSchema,
  AgentExecutorSchema,
  SimulateExecutorSchema,
]);
/** Any executor, told apart by `kind`. */
export type Executor = z.infer<typeof ExecutorSchema>;
