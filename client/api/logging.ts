/**
 * Structured request logs: one JSON line per request with method, path, status, duration and,
 * when the request concerns a run, its id. Query strings and headers are left out (they may carry
 * tokens or personal data).
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { principalOf } from './auth';

/** Logs each request when its response has been sent (or the client went away). */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let logged = false;
    const log = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const runId = res.locals.runId as string | undefined;
      const user = principalOf(req)?.identity;
      const line = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: aborted ? 499 : res.statusCode,
        ms: Math.round(ms * 10) / 10,
        ...(runId ? { runId } : {}),
        ...(user ? { user } : {}),
      };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    };
    res.on('finish', () => log(false));
    res.on('close', () => log(!res.writableFinished));
    next();
  };
}
