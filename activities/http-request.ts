/**
 * The request side of the `http` executor: the method, headers (with `${ENV}` references resolved
 * on the worker and the idempotency key set), encoded body and timeout of one attempt, and the URL
 * as messages may show it.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { HttpExecutor } from '../workflows/plan/schema';
import { SECRET_PREFIX, secretAllowed } from './policy';
import type { TaskFailureDetails, TaskInput } from './types';

/** Request timeout when the executor sets none. */
export const DEFAULT_HTTP_TIMEOUT = '30s';

// `${NAME}` in a header value: NAME is an environment variable of the worker.
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** One attempt's request, ready to send. */
export interface PreparedRequest {
  url: string;
  method: string;
  /** The URL without credentials, query or fragment: what messages may show. */
  target: string;
  headers: Headers;
  body: string | undefined;
  /** A duration (`30s`): the executor's, or {@link DEFAULT_HTTP_TIMEOUT}. */
  timeout: string;
}

/**
 * The executor's request for this attempt; the method defaults to POST. Throws a non-retryable
 * `HttpConfigError` as {@link buildRequest} does.
 */
export function prepareRequest(exec: HttpExecutor, input: TaskInput): PreparedRequest {
  const method = exec.method ?? 'POST';
  const target = safeUrl(exec.url);
  const { headers, body } = buildRequest(exec, method, input);
  return { url: exec.url, method, target, headers, body, timeout: exec.timeout ?? DEFAULT_HTTP_TIMEOUT };
}

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

/**
 * Headers (with `${ENV}` resolved, the idempotency key set and `user-agent: phasegate` unless
 * given) and the encoded body: strings as they are, anything else as JSON with
 * `content-type: application/json` unless a content-type header is given. Throws a non-retryable
 * `HttpConfigError` for a refused or unset variable, an invalid header, or a GET with a body.
 */
export function buildRequest(
  exec: HttpExecutor,
  method: string,
  input: TaskInput,
): { headers: Headers; body: string | undefined } {
  const headers = resolvedHeaders(exec.headers ?? {});
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

/** The plan's headers with `${ENV}` references resolved; an invalid one fails naming the header only. */
function resolvedHeaders(plan: Record<string, string>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(plan)) {
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
  return headers;
}

/** The URL without credentials, query or fragment (`<invalid url>` when it does not parse): what messages may show. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
