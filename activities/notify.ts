/**
 * The notification webhook: POSTs run events (escalations, outcomes) as JSON to a URL configured on
 * the worker (`PHASEGATE_WEBHOOK_URL`). Without a URL it does nothing. A failing webhook is retried
 * by the activity retry policy and never affects the run.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { RunNotification } from './types';

/** Builds the `notify` activity for a webhook URL (or none). */
export function makeNotify(webhookUrl: string | undefined) {
  return async function notify(event: RunNotification): Promise<{ delivered: boolean; status?: number }> {
    if (!webhookUrl) return { delivered: false };
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'phasegate' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      throw ApplicationFailure.nonRetryable(`webhook answered ${res.status}`, 'WebhookRejected');
    }
    if (!res.ok) throw ApplicationFailure.retryable(`webhook answered ${res.status}`, 'WebhookUnavailable');
    return { delivered: true, status: res.status };
  };
}
