/**
 * One callback per request once its response is over: finished, or abandoned by the client (then
 * the status is 499, nginx's "client closed request"), whichever comes first. The request log and
 * the request metrics both need exactly this, and Express offers no single event for it.
 */
import type { Response } from 'express';

/** Status of a response the client went away from before it was sent. */
export const CLIENT_CLOSED = 499;

/**
 * Calls `done(status, ms)` once, when `res` has been sent (`status` its status code) or closed
 * before that (`status` {@link CLIENT_CLOSED}); `ms` counts from this call.
 */
export function onResponseDone(res: Response, done: (status: number, ms: number) => void): void {
  const started = process.hrtime.bigint();
  let called = false;
  const end = (aborted: boolean) => {
    if (called) return;
    called = true;
    done(aborted ? CLIENT_CLOSED : res.statusCode, Number(process.hrtime.bigint() - started) / 1e6);
  };
  res.on('finish', () => end(false));
  res.on('close', () => end(!res.writableFinished));
}
