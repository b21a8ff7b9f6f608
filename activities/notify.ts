/**
 * The `notify` activity: POSTs one run event to the plan's targets for it and to the worker's
 * `PHASEGATE_WEBHOOK_URL` (every event), as JSON or as a Slack message. Each POST carries
 * `Idempotency-Key: <workflowId>/<event>/<seq>`, the same on every retry. Targets already
 * delivered are remembered in the activity's heartbeat details, so a retry (after another target
 * failed) posts only to those that did not answer 2xx. A 4xx (other than 408/429) is final for
 * that target. Errors name URLs without credentials or query strings. Without any target it does
 * nothing. The workflow never waits on it (see `workflows/phase/notifications.ts`).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { linkExpiry, signLink } from '../config/approval-links';
import type { NotifyTarget } from '../workflows/plan/schema';
import { jsonBody, slackBody, type NotificationLinks } from './notify-body';
import { redactUrls, secretAllowed } from './policy';
import type { RunNotification } from './types';

/** Worker settings the notifications use. */
export interface NotifyConfig {
  /** `PHASEGATE_WEBHOOK_URL`: receives every event, as JSON. */
  webhookUrl?: string;
  /** `PHASEGATE_PUBLIC_URL`: where people reach the API (run pages, approval links). */
  publicUrl?: string;
  /** `TEMPORAL_UI_URL`. */
  uiUrl?: string;
  /** `TEMPORAL_NAMESPACE`, for Temporal UI links. */
  namespace?: string;
  /** `PHASEGATE_LINK_SECRET`: signs one approval link per approver. */
  linkSecret?: string | undefined;
}

/** What one delivery did. */
export interface NotifyResult {
  delivered: boolean;
  targets: number;
  status?: number;
}

/** `${NAME}` in a target URL → the worker's variable, if it is a secret this worker may expand. */
export function expandUrl(url: string, env: NodeJS.ProcessEnv = process.env): string {
  return url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    if (!secretAllowed(name))
      throw ApplicationFailure.nonRetryable(
        `notify url references ${name}, which is not a secret this worker may expand (PHASEGATE_SECRETS or PHASEGATE_SECRET_*)`,
        'NotifyConfigError',
      );
    const value = env[name];
    if (value === undefined)
      throw ApplicationFailure.nonRetryable(
        `notify url references ${name}, which is not set on the worker`,
        'NotifyConfigError',
      );
    return value;
  });
}

/** The links of a notification, approval links signed when a secret is configured. */
export function linksFor(n: RunNotification, cfg: NotifyConfig, now = Date.now()): NotificationLinks {
  const base = (cfg.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const ui = (cfg.uiUrl ?? 'http://localhost:8233').replace(/\/+$/, '');
  const links: NotificationLinks = {
    run: `${base}/runs/${encodeURIComponent(n.runId)}`,
    temporal: `${ui}/namespaces/${encodeURIComponent(cfg.namespace ?? 'default')}/workflows/${encodeURIComponent(n.runId)}`,
  };
  if (n.gate) links.approvals = `${base}/`;
  if (n.event === 'approval-requested' && n.gate && cfg.linkSecret) {
    const exp = linkExpiry(n.gate.due, now);
    const secret = cfg.linkSecret;
    const gate = n.gate.id;
    links.approve = n.gate.approversResolved.map((approver) => ({
      approver,
      url: `${base}/links/${signLink(secret, { run: n.runId, gate, approver, exp })}`,
      expiresAt: new Date(exp * 1000).toISOString(),
    }));
  }
  return links;
}

async function post(target: NotifyTarget, body: unknown, key: string | undefined): Promise<number> {
  const url = expandUrl(target.url);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'phasegate',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

/** Builds the `notify` activity for the worker's settings (a bare URL is the webhook, as before). */
export function makeNotify(config: NotifyConfig | string | undefined) {
  const cfg: NotifyConfig = typeof config === 'string' ? { webhookUrl: config } : (config ?? {});
  return async function notify(n: RunNotification): Promise<NotifyResult> {
    const targets: NotifyTarget[] = [...(n.targets ?? []), ...(cfg.webhookUrl ? [{ url: cfg.webhookUrl }] : [])];
    if (targets.length === 0) return { delivered: false, targets: 0 };
    const ctx = Context.current();
    const done = new Set<number>((ctx.info.heartbeatDetails as { delivered?: number[] } | undefined)?.delivered ?? []);
    const body = jsonBody(n, linksFor(n, cfg));
    const problems: string[] = [];
    let retry = false;
    let last: number | undefined;
    for (const [i, target] of targets.entries()) {
      if (done.has(i)) continue;
      try {
        last = await post(target, target.format === 'slack' ? slackBody(body) : body, n.key);
        if (last >= 200 && last < 300) done.add(i);
        else if (last >= 400 && last < 500 && last !== 408 && last !== 429) {
          done.add(i); // final for this target: a retry would get the same answer
          problems.push(`${redactUrls(target.url)} answered ${last} (not retried)`);
        } else {
          retry = true;
          problems.push(`${redactUrls(target.url)} answered ${last}`);
        }
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        retry = true;
        problems.push(`${redactUrls(target.url)}: ${redactUrls((err as Error).message)}`);
      }
      ctx.heartbeat({ delivered: [...done] });
    }
    if (retry)
      throw ApplicationFailure.retryable(
        `notification ${n.key ?? n.type} not delivered: ${problems.join('; ')}`,
        'WebhookUnavailable',
      );
    if (problems.length > 0 && problems.length === targets.length)
      throw ApplicationFailure.nonRetryable(
        `notification ${n.key ?? n.type} refused: ${problems.join('; ')}`,
        'WebhookRejected',
      );
    return { delivered: true, targets: targets.length, ...(last !== undefined ? { status: last } : {}) };
  };
}
