/**
 * Sending one `http` attempt: the request under the executor's timeout and the activity's
 * cancellation (one abort controller for both), heartbeating while it is in flight, and the
 * `HttpTimeout` / `HttpNetworkError` failures when no complete response arrives.
 */
import { ApplicationFailure, type Context } from '@temporalio/activity';
import { parseDuration } from '../workflows/plan/duration';
import { cancellationError } from './cancellation';
import type { PreparedRequest } from './http-request';
import { bodyTail, MAX_BODY_BYTES, readBody } from './http-response';
import { redactUrls } from './policy';
import type { TaskFailureDetails } from './types';

/** How often an in-flight request heartbeats (the worker throttles heartbeats to 1s anyway). */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/** A complete response: its status, content type and (at most {@link MAX_BODY_BYTES} of) body. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

/**
 * Sends the request and reads the response, whatever its status. Throws the `CancelledFailure`
 * when the activity was cancelled, a retryable `HttpTimeout` when the timeout passed first, and a
 * retryable `HttpNetworkError` for any other failure (details carry the status once it was known).
 */
export async function sendRequest(req: PreparedRequest, ctx: Context, started: number): Promise<HttpAnswer> {
  const { method, target, timeout } = req;
  const abort = new RequestAbort(ctx, timeout, started);
  let status: number | undefined;
  let text = '';
  let contentType = '';
  try {
    const res = await fetch(req.url, {
      method,
      headers: req.headers,
      signal: abort.signal,
      ...(req.body === undefined ? {} : { body: req.body }),
    });
    status = res.status;
    contentType = res.headers.get('content-type') ?? '';
    text = await readBody(res, MAX_BODY_BYTES);
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw cancellationError(ctx.cancellationSignal);
    const details: TaskFailureDetails = status !== undefined ? { httpStatus: status, bodyTail: bodyTail(text) } : {};
    if (abort.timedOut)
      throw ApplicationFailure.retryable(`${method} ${target} timed out after ${timeout}`, 'HttpTimeout', details);
    throw ApplicationFailure.retryable(
      `${method} ${target} failed: ${describeNetworkError(err)}`,
      'HttpNetworkError',
      details,
    );
  } finally {
    abort.dispose();
  }
  return { status, contentType, text };
}

/**
 * One controller aborts the request for either reason (timeout or cancellation); `timedOut` tells
 * which one it was. Heartbeats `{ elapsedMs }` until disposed.
 */
class RequestAbort {
  private readonly controller = new AbortController();
  /** Set when the timeout fired. */
  timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly heartbeats: NodeJS.Timeout;
  private readonly onCancel = () => this.controller.abort(this.ctx.cancellationSignal.reason);

  constructor(
    private readonly ctx: Context,
    timeout: string,
    started: number,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error(`timed out after ${timeout}`));
    }, parseDuration(timeout));
    ctx.cancellationSignal.addEventListener('abort', this.onCancel, { once: true });
    const beat = () => ctx.heartbeat({ elapsedMs: Date.now() - started });
    beat();
    this.heartbeats = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  }

  /** What the request listens to. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops the timer, the heartbeats and the cancellation listener. */
  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.heartbeats);
    this.ctx.cancellationSignal.removeEventListener('abort', this.onCancel);
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
