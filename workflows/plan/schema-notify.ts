/**
 * Run notifications of the plan format (`schema.ts` is the entry module): the events a run sends
 * and the `notify` targets that receive them.
 */
import { z } from 'zod';

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
