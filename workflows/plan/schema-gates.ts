/**
 * Gates of the plan format (`schema.ts` is the entry module): checks over task metrics, then
 * optionally a human go/no-go. Whether a check's metric exists upstream is `validate.ts`'s rule.
 */
import { z } from 'zod';
import { DurationSchema, IdSchema } from './schema-common';
import { GROUP_NAME, GROUP_PREFIX } from './groups';

/** A quality check on an upstream task's metric. */
export const CheckSchema = z.strictObject({
  metric: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*\.[A-Za-z_][A-Za-z0-9_-]*$/, { message: 'metric is <step-id>.<metric-name>' }),
  op: z.enum(['<', '<=', '>', '>=', '==', '!=']),
  value: z.union([z.number(), z.string(), z.boolean()]),
});
/** A gate check. */
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
/** A gate's approval settings. */
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
/** A gate step's `gate:`. */
export type Gate = z.infer<typeof GateSchema>;
