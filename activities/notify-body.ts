/**
 * What a notification looks like on the wire: the event as JSON with links (run page, Temporal UI,
 * approvals page, one approval link per approver), or, with `format: slack`, a Slack message
 * (`text` for notifications and clients without blocks, `blocks` with the same facts in mrkdwn).
 */
import type { RunNotification } from './types';

/** Links a notification carries; built on the worker from its configuration. */
export interface NotificationLinks {
  /** The run's page on the Phasegate API (`PHASEGATE_PUBLIC_URL`). */
  run: string;
  /** The run in the Temporal UI (`TEMPORAL_UI_URL`). */
  temporal: string;
  /** The approvals page (approval events). */
  approvals?: string;
  /** One signed approval link per approver (approval-requested with `PHASEGATE_LINK_SECRET`). */
  approve?: { approver: string; url: string; expiresAt: string }[];
}

/** The JSON body: the event, its key, and its links. */
export type NotificationBody = Omit<RunNotification, 'targets'> & {
  event: NonNullable<RunNotification['event']>;
  links: NotificationLinks;
};

/** The JSON body of `n` (targets removed: a receiver need not know where else it went). */
export function jsonBody(n: RunNotification, links: NotificationLinks): NotificationBody {
  const { targets: _targets, ...rest } = n;
  void _targets;
  return { ...rest, event: n.event ?? 'escalated', links };
}

const ICON: Record<string, string> = {
  'approval-requested': ':raised_hand:',
  'approval-decided': ':ballot_box_with_check:',
  held: ':pause_button:',
  escalated: ':rotating_light:',
  checkpoint: ':round_pushpin:',
  ended: ':checkered_flag:',
};

/** Slack's mrkdwn needs `&`, `<` and `>` escaped in text that is not a link. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function gateLines(b: NotificationBody): string[] {
  const g = b.gate;
  if (!g) return [];
  const checks = g.checks.map(
    (c) =>
      `${c.passed ? ':white_check_mark:' : ':x:'} \`${esc(c.metric)} ${esc(c.op)} ${esc(String(c.value))}\` (actual ${esc(String(c.actual ?? 'missing'))})`,
  );
  const votes = g.votes.map(
    (v) => `${v.decision === 'go' ? ':+1:' : ':-1:'} ${esc(v.approver)}${v.comment ? `: ${esc(v.comment)}` : ''}`,
  );
  return [
    ...checks,
    `*Approvers:* ${esc(g.approversResolved.join(', ') || '(anyone)')} · quorum ${g.quorum}${g.due ? ` · due ${g.due}` : ''}`,
    ...(votes.length > 0 ? [`*Votes:* ${votes.join(' · ')}`] : []),
  ];
}

function detailLines(b: NotificationBody): string[] {
  if (b.checkpoint) {
    const d = b.checkpoint;
    const steps = Object.entries(d.steps)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    return [
      `*Progress:* ${esc(steps)} · ${d.escalations} escalation(s) · ${d.elapsed} in${d.gatesWaiting.length ? ` · waiting: ${esc(d.gatesWaiting.join(', '))}` : ''}`,
    ];
  }
  if (b.held)
    return [`*Error:* ${esc(b.held.error ?? 'failed')} (${b.held.attempts} attempt(s)) · retry, skip or abort`];
  if (b.outcome) return [`*Outcome:* ${esc(b.outcome.outcome)}${b.outcome.cause ? ` · ${esc(b.outcome.cause)}` : ''}`];
  return gateLines(b);
}

/** A Slack-compatible message (incoming webhook body): `text` plus section, context and action blocks. */
export function slackBody(b: NotificationBody): { text: string; blocks: unknown[] } {
  const title = `${ICON[b.event] ?? ''} *${esc(b.title ?? b.plan)}* (${esc(b.runId)}): ${esc(b.message)}`.trim();
  const links = [
    `<${b.links.run}|run page>`,
    `<${b.links.temporal}|Temporal UI>`,
    ...(b.links.approvals ? [`<${b.links.approvals}|approvals>`] : []),
  ].join(' · ');
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: [title, ...detailLines(b)].join('\n') } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${esc(b.event)} · ${links}` }] },
  ];
  if (b.links.approve && b.links.approve.length > 0) {
    blocks.push({
      type: 'actions',
      elements: b.links.approve.slice(0, 25).map((l) => ({
        type: 'button',
        text: { type: 'plain_text', text: `Decide as ${l.approver}`.slice(0, 75) },
        url: l.url,
      })),
    });
  }
  return { text: `${b.title ?? b.plan} (${b.runId}): ${b.message}`, blocks };
}
