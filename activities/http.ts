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
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { parseDuration } from '../workflows/plan/duration';
import type { HttpExecutor } from '../workflows/plan/schema';
import type { MetricValue } from '../workflows/status';
import { extractMetrics, MAX_METRIC_STRING, mergeMetrics, pickMetricValues } from './metrics';
import { redactUrls, requireExecutorEnabled, SECRET_PREFIX, secretAllowed } from './policy';
import type { TaskFailureDetails, TaskInput, TaskResult } from './types';

/** Request timeout when the executor sets none. */
export const DEFAULT_HTTP_TIMEOUT = '30s';

/** Most of a response body read (for JSON and `from: body` rules); the rest is not downloaded. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Bytes of the response body kept in failure details (the last ones read). */
export const BODY_TAIL_BYTES = 64 * 1024;

/** How often an in-flight request heartbeats (the worker throttles heartbeats to 1s anyway). */
export const HEARTBEAT_INTERVAL_MS = 1_000;

// `${NAME}` in a header value: NAME is an environment variable of the worker.
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The `Idempotency-Key` sent with every attempt of a step: `<runId>/<stepId>`, plus `/rollback` for
 * the compensation, so the service can recognise a retry of a request it already handled.
 */
export function idempotencyKey(input: Pick<TaskInput, 'runId' | 'stepId' | 'purpose'>): string {
  return `${input.runId}/${input.stepId}${input.purpose === 'rollback' ? '/rollback' : ''}`;
}

/**
 * Replaces every `${NAME}` in a header value with `env[NAME]`. Secrets thus stay on the worker
 * rather than in the plan or the workflow history. Only names listed in `PHASEGATE_SECRETS` or
 * prefixed `PHASEGATE_SECRET_` expand; any other, or an unset one, throws a non-retryable
 * `HttpConfigError` naming the variable and the header (never a value).
 */
export function resolveEnvRefs(value: string, header: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(ENV_REF, (_whole, name: string) => {
    // Only named secrets: otherwise any plan could send any worker variable to any URL.
    if (!secretAllowed(name)) {
      throw ApplicationFailure.nonRetryable(
        `header ${header} references ${name}, which is not a secret this worker may expand: list it in PHASEGATE_SECRETS or name it ${SECRET_PREFIX}…`,
        'HttpConfigError',
        {} satisfies TaskFailureDetails,
      );
    }
    const resolved = env[name];
    if (resolved === undefined) {
      throw ApplicationFailure.nonRetryable(
        `header ${header} references environment variable ${name}, which is not set on the worker`,
        'HttpConfigError',
        {} satisfies TaskFailureDetails,
      );
    }
    return resolved;
  });
}

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

  const method = exec.method ?? 'POST';
  const target = safeUrl(exec.url);
  const { headers, body } = buildRequest(exec, method, input);
  const timeout = exec.timeout ?? DEFAULT_HTTP_TIMEOUT;
  const started = Date.now();

  // One controller aborts the request for either reason; the flags tell which one it was.
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort(new Error(`timed out after ${timeout}`));
  }, parseDuration(timeout));
  const onCancel = () => abort.abort(ctx.cancellationSignal.reason);
  ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  const beat = () => ctx.heartbeat({ elapsedMs: Date.now() - started });
  beat();
  const heartbeats = setInterval(beat, HEARTBEAT_INTERVAL_MS);

  let status: number | undefined;
  let text = '';
  let contentType = '';
  try {
    const res = await fetch(exec.url, {
      method,
      headers,
      signal: abort.signal,
      ...(body === undefined ? {} : { body }),
    });
    status = res.status;
    contentType = res.headers.get('content-type') ?? '';
    text = await readBody(res, MAX_BODY_BYTES);
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw cancellationError(ctx.cancellationSignal);
    const details: TaskFailureDetails = status !== undefined ? { httpStatus: status, bodyTail: tail(text) } : {};
    if (timedOut)
      throw ApplicationFailure.retryable(`${method} ${target} timed out after ${timeout}`, 'HttpTimeout', details);
    throw ApplicationFailure.retryable(
      `${method} ${target} failed: ${describeNetworkError(err)}`,
      'HttpNetworkError',
      details,
    );
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeats);
    ctx.cancellationSignal.removeEventListener('abort', onCancel);
  }

  const durationMs = Date.now() - started;
  const verdict = classifyStatus(status);
  if (verdict !== 'ok') {
    const excerpt = firstLine(text);
    const message = `${method} ${target} answered ${status}${excerpt ? `: ${excerpt}` : ''}`;
    const details: TaskFailureDetails = { httpStatus: status, bodyTail: tail(text) };
    if (verdict === 'retry') throw ApplicationFailure.retryable(message, 'HttpServerError', details);
    throw ApplicationFailure.nonRetryable(message, 'HttpClientError', details);
  }

  const json = parseJsonObject(text, contentType);
  const metrics: Record<string, MetricValue> = mergeMetrics(
    pickMetricValues(json?.metrics),
    extractMetrics(input.metricRules, { body: text }),
  );
  const summary =
    typeof json?.summary === 'string' && json.summary.trim()
      ? json.summary.trim().slice(0, MAX_METRIC_STRING)
      : `HTTP ${status} from ${method} ${target} in ${durationMs}ms`;
  return { metrics, summary, httpStatus: status, durationMs };
}

/** Headers (with `${ENV}` resolved and the idempotency key set) and the encoded body. */
function buildRequest(
  exec: HttpExecutor,
  method: string,
  input: TaskInput,
): { headers: Headers; body: string | undefined } {
  const headers = new Headers();
  for (const [name, value] of Object.entries(exec.headers ?? {})) {
    const resolved = resolveEnvRefs(value, name);
    try {
      headers.set(name, resolved);
    } catch {
      // The message of the TypeError may quote the value; name the header only.
      throw ApplicationFailure.nonRetryable(
        `header ${name} has an invalid name or value`,
        'HttpConfigError',
        {} satisfies TaskFailureDetails,
      );
    }
  }
  // Ours wins over a plan-supplied key: the guarantee is that every attempt carries the same one.
  headers.set('idempotency-key', idempotencyKey(input));
  if (!headers.has('user-agent')) headers.set('user-agent', 'phasegate');
  let body: string | undefined;
  if (exec.body !== undefined) {
    if (method === 'GET')
      throw ApplicationFailure.nonRetryable(
        'a GET request cannot carry a body',
        'HttpConfigError',
        {} satisfies TaskFailureDetails,
      );
    if (typeof exec.body === 'string') body = exec.body;
    else {
      body = JSON.stringify(exec.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }
  return { headers, body };
}

/** Reads at most `limit` bytes of the body as UTF-8, then stops downloading. */
async function readBody(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The body parsed as a JSON object when it is one (by content type or by its first character). */
function parseJsonObject(text: string, contentType: string): Record<string, unknown> | undefined {
  if (!/json/i.test(contentType) && !text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The last {@link BODY_TAIL_BYTES} of `text`, not starting in the middle of a character. */
function tail(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= BODY_TAIL_BYTES) return text;
  let start = bytes.length - BODY_TAIL_BYTES;
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}

/** First non-empty line of a response body, cut to 200 characters, for messages. */
function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** The URL without credentials, query or fragment: what messages may show. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/** `fetch failed` says nothing; its cause (e.g. `ECONNREFUSED`) does. URLs in it are redacted. */
function describeNetworkError(err: unknown): string {
  return redactUrls(networkErrorText(err));
}

function networkErrorText(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause && typeof cause === 'object') {
    const code = (cause as { code?: unknown }).code;
    const message = (cause as { message?: unknown }).message;
    if (typeof code === 'string') return code;
    if (typeof message === 'string') return message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The error to rethrow on cancellation: the SDK's `CancelledFailure` (the abort reason). */
function cancellationError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledFailure(String(signal.reason ?? 'cancelled'));
}
