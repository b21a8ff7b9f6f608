/**
 * `http` executor (SPEC §2): one request per attempt with global `fetch`, a stable
 * `Idempotency-Key`, `${ENV}` references in header values resolved on the worker, and metrics read
 * from the JSON response.
 *
 * Failure types (first detail is a {@link TaskFailureDetails} with `httpStatus` and a `bodyTail`
 * when there was a response; request headers are never echoed, and URLs in messages lose their
 * query string and credentials):
 * - `HttpClientError` — any non-2xx status other than 408, 429 and 5xx (mostly 4xx); non-retryable.
 * - `HttpServerError` — 5xx, 408 or 429; retryable.
 * - `HttpTimeout` — no complete response within `timeout` (default 30s); retryable.
 * - `HttpNetworkError` — connection refused/reset, DNS failure, TLS error...; retryable.
 * - `HttpConfigError` — a header references an unset variable, a header value is invalid, or a
 *   GET carries a body; non-retryable.
 * Cancellation of the activity aborts the request and rethrows the `CancelledFailure`.
 *
 * This module holds the executor's steps in order; building the request is in `http-request.ts`,
 * sending it in `http-send.ts`, reading the body in `http-response.ts`. Their public names are
 * re-exported here.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { MetricValue } from '../workflows/status';
import { cancellationError } from './cancellation';
import { prepareRequest, type PreparedRequest } from './http-request';
import { bodyTail, firstBodyLine, parseJsonObject } from './http-response';
import { sendRequest, type HttpAnswer } from './http-send';
import { extractMetrics, MAX_METRIC_STRING, mergeMetrics, pickMetricValues } from './metrics';
import { requireExecutorEnabled } from './policy';
import type { TaskFailureDetails, TaskInput, TaskResult } from './types';

export { DEFAULT_HTTP_TIMEOUT, idempotencyKey, resolveEnvRefs } from './http-request';
export { BODY_TAIL_BYTES, MAX_BODY_BYTES } from './http-response';
export { HEARTBEAT_INTERVAL_MS } from './http-send';

/** How a response status ends the attempt: `ok` (2xx), `retry` (5xx, 408, 429) or `fail` (the rest). */
export function classifyStatus(status: number): 'ok' | 'retry' | 'fail' {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 500 || status === 408 || status === 429) return 'retry';
  return 'fail';
}

/**
 * Runs one http attempt. A 2xx answer succeeds; its JSON `metrics` object (numbers, strings and
 * booleans only) and the task's `from: body` regex rules (which win on conflict) become the
 * metrics, and a JSON `summary` string the summary. Objects and other non-string bodies are sent
 * as JSON with `content-type: application/json` (unless a content-type header is given); strings
 * are sent as they are. The method defaults to POST.
 */
export async function httpTask(input: TaskInput): Promise<TaskResult> {
  const exec = input.executor;
  if (exec.kind !== 'http')
    throw ApplicationFailure.nonRetryable(`httpTask got a ${exec.kind} executor`, 'BadExecutor');
  requireExecutorEnabled('http');
  const ctx = Context.current();
  if (ctx.cancellationSignal.aborted) throw cancellationError(ctx.cancellationSignal);

  const req = prepareRequest(exec, input);
  const started = Date.now();
  const answer = await sendRequest(req, ctx, started);
  const durationMs = Date.now() - started;
  const failure = statusFailure(req, answer);
  if (failure) throw failure;
  return successResult(input, req, answer, durationMs);
}

/** A non-2xx answer as a retryable `HttpServerError` or a non-retryable `HttpClientError`; undefined for 2xx. */
function statusFailure(req: PreparedRequest, { status, text }: HttpAnswer): ApplicationFailure | undefined {
  const verdict = classifyStatus(status);
  if (verdict === 'ok') return undefined;
  const excerpt = firstBodyLine(text);
  const message = `${req.method} ${req.target} answered ${status}${excerpt ? `: ${excerpt}` : ''}`;
  const details: TaskFailureDetails = { httpStatus: status, bodyTail: bodyTail(text) };
  if (verdict === 'retry') return ApplicationFailure.retryable(message, 'HttpServerError', details);
  return ApplicationFailure.nonRetryable(message, 'HttpClientError', details);
}

/**
 * The result of a 2xx answer: the JSON `metrics` merged with the `from: body` rules, and the JSON
 * `summary` (trimmed, cut to {@link MAX_METRIC_STRING}) or `HTTP <status> from <method> <url> in <n>ms`.
 */
function successResult(input: TaskInput, req: PreparedRequest, answer: HttpAnswer, durationMs: number): TaskResult {
  const { status, text } = answer;
  const json = parseJsonObject(text, answer.contentType);
  const metrics: Record<string, MetricValue> = mergeMetrics(
    pickMetricValues(json?.metrics),
    extractMetrics(input.metricRules, { body: text }),
  );
  const summary =
    typeof json?.summary === 'string' && json.summary.trim()
      ? json.summary.trim().slice(0, MAX_METRIC_STRING)
      : `HTTP ${status} from ${req.method} ${req.target} in ${durationMs}ms`;
  return { metrics, summary, httpStatus: status, durationMs };
}
