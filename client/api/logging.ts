/**
 * Structured request logs: one JSON line per request with method, path, status, duration and,
 * when the request concerns a run, its id. Query strings and headers are left out (they may carry
 * tokens or personal data).
 *
 * Every other line logged while a request is handled (route handlers, the error middleware) gets
 * the run id too, through the logger's mixin and an AsyncLocalStorage holding the request: route
 * code does not have to remember it, and a 500 logged by the error middleware still names its run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler, Response } from 'express';
import pino, { type Logger } from 'pino';
import { principalOf } from './auth';
import { onResponseDone } from './response-done';

/** The longest a log line waits in the API's write buffer (ms). */
export const LOG_FLUSH_MS = 250;

/** The response of the request being handled, where routes put `res.locals.runId`. */
const current = new AsyncLocalStorage<Response>();

/** Fields added to every line logged during a request: its run id, once a route has named it. */
export function requestLogFields(): { runId?: string } {
  const runId = current.getStore()?.locals.runId as unknown;
  return typeof runId === 'string' ? { runId } : {};
}

/**
 * The API's logger: JSON lines on stdout shaped like the worker's (`time` as ISO text, `level` as
 * a name, `name`, `msg`), with the run id of the current request on every line.
 */
export function createApiLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'phasegate-api',
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: requestLogFields,
  };
  // Lines are written off the main thread and in batches: a write per line was ≈ 5-10 % of the API's
  // CPU under a start burst (bench/ANALYSIS.md), so lines gather up to 4 KiB and go out at least
  // every LOG_FLUSH_MS. pino flushes what is pending on exit, so only a SIGKILL can lose the last lines.
  return pino(
    options,
    destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: LOG_FLUSH_MS }),
  );
}

/** Successful scrapes of `/metrics` come every few seconds: logged at debug only, to keep the log readable. */
function isQuietRequest(path: string, status: number): boolean {
  return path === '/metrics' && status < 400;
}

/**
 * Logs each request when its response has been sent (or the client went away). Routes add facts
 * to that one line through `res.locals.logFields` (e.g. the plan a start ran) instead of logging
 * a second line for the same request.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    onResponseDone(res, (status, ms) => {
      const runId = res.locals.runId as string | undefined;
      const user = principalOf(req)?.identity;
      const line = {
        method: req.method,
        path: req.originalUrl.split('?')[0] as string,
        status,
        ms: Math.round(ms * 10) / 10,
        ...(runId ? { runId } : {}),
        ...(user ? { user } : {}),
        ...(res.locals.logFields as Record<string, unknown> | undefined),
      };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else if (isQuietRequest(line.path, line.status)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    current.run(res, next);
  };
}
