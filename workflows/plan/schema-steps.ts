/**
 * Steps of the plan format (`schema.ts` is the entry module): the fields a task or gate step may
 * carry and the metric rules a task declares. Rules that need the whole plan live in `validate.ts`.
 */
import { RE2JS } from 're2js';
import { z } from 'zod';
import { DurationSchema, IdSchema, RetrySchema } from './schema-common';
import { ExecutorSchema } from './schema-executors';
import { GateSchema } from './schema-gates';

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Why RE2 (the engine metric rules run on) cannot compile `source`, or undefined. */
function re2Problem(source: string): string | undefined {
  try {
    RE2JS.compile(source, RE2JS.MULTILINE);
    return undefined;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^error parsing regexp: /, '').slice(0, 200);
  }
}

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
/** A metric rule. */
export type MetricRule = z.infer<typeof MetricRuleSchema>;

const MetricsSchema = z.record(
  z.string().regex(METRIC_NAME, { message: 'metric names use [A-Za-z0-9_-]' }),
  MetricRuleSchema,
);

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
/** A step: a task (`run:`) or a gate (`gate:`). */
export type Step = z.infer<typeof StepSchema>;
