/**
 * The backend of `phase mcp`: each operation is one HTTP request to the Phasegate API at
 * `PHASEGATE_URL` with `PHASEGATE_TOKEN`, so the API's tokens, roles and checks apply exactly as for
 * `curl` or the CLI.
 */
import {
  BackendError,
  fillPath,
  OPERATIONS,
  type CallInput,
  type CallResult,
  type OperationName,
  type PhasegateBackend,
} from './backend';

/** Longer than the longest claim wait (60s), so a long poll is not cut short by the client. */
const DEFAULT_TIMEOUT_MS = 90_000;

/** Calls the Phasegate HTTP API. */
export class HttpBackend implements PhasegateBackend {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token?: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Sends the operation's request. Throws {@link BackendError} with the API's status and envelope on a non-2xx, status 0 when unreachable. */
  async call(op: OperationName, input: CallInput = {}): Promise<CallResult> {
    const { method, path } = OPERATIONS[op];
    const qs = new URLSearchParams(input.query ?? {}).toString();
    const url = `${this.baseUrl}${fillPath(path, input.params)}${qs ? `?${qs}` : ''}`;
    // `x-phasegate-via: mcp` lets the API record where a vote came from (informational, like a user agent).
    const headers: Record<string, string> = {
      accept: 'application/json, text/markdown;q=0.9',
      'x-phasegate-via': 'mcp',
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    // Every POST carries a JSON body: the API refuses state-changing requests that are not JSON.
    const body = method === 'post' ? JSON.stringify(input.body ?? {}) : undefined;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method: method.toUpperCase(),
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new BackendError(
        0,
        `cannot reach the Phasegate API at ${this.baseUrl}: ${cause?.code ?? (err as Error).name}`,
      );
    }
    const text = await response.text();
    const parsed = parseJson(text, response.headers.get('content-type'));
    if (response.ok) return { status: response.status, body: parsed ?? (text === '' ? undefined : text) };
    throw errorFrom(response.status, parsed, text);
  }
}

function parseJson(text: string, contentType: string | null): unknown {
  if (text === '' || !(contentType ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFrom(status: number, parsed: unknown, text: string): BackendError {
  const envelope = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  const { error, details, ...extra } = envelope;
  const message = typeof error === 'string' ? error : `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return new BackendError(
    status,
    message,
    Array.isArray(details) ? (details as { path: string; message: string }[]) : [],
    extra,
  );
}
