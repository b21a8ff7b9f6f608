/**
 * Overload answers fast instead of hanging (SPEC §8): a per-token rate limit (429), a bound on the
 * Temporal calls in flight with a short queue (503), both with `Retry-After`, and one shared query
 * for concurrent status reads of the same run.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { parseDuration } from '../../workflows/plan/duration';
import { ApiError } from './api-error';

/** Parsed `PHASEGATE_RATE_LIMIT`: `undefined` when it is `off`. */
export function parseRateLimit(spec: string): { limit: number; windowMs: number } | undefined {
  if (spec === 'off') return undefined;
  const m = /^([1-9][0-9]*)\/(.+)$/.exec(spec);
  if (!m) throw new RangeError(`invalid rate limit "${spec}": use <requests>/<window>, e.g. 600/1m, or off`);
  return { limit: Number(m[1]), windowMs: parseDuration(m[2] as string) };
}

/** The rate-limit key of a request: a digest of its bearer token, else its client address. */
export function rateKey(req: Request): string {
  const auth = req.get('authorization');
  if (auth) return `t:${createHash('sha256').update(auth).digest('base64url').slice(0, 22)}`;
  return `a:${ipKeyGenerator(req.ip ?? 'unknown')}`;
}

/** The rate-limit middleware for `spec` (`PHASEGATE_RATE_LIMIT`), or a pass-through when it is `off`. */
export function rateLimiter(spec: string): RequestHandler {
  const parsed = parseRateLimit(spec);
  if (!parsed) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: parsed.windowMs,
    limit: parsed.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: rateKey,
    handler: (_req, _res, next) =>
      next(
        new ApiError(
          429,
          `rate limit: at most ${parsed.limit} requests per ${spec.split('/')[1]} per token (PHASEGATE_RATE_LIMIT); retry after the Retry-After seconds`,
        ),
      ),
  });
}

/** Thrown (as a 503) when no slot for a Temporal call frees up within the queue time. */
export class BusyError extends ApiError {
  constructor(waitedMs: number) {
    super(
      503,
      `the API is busy: too many Temporal calls in flight (waited ${waitedMs} ms for a slot); retry after the Retry-After seconds`,
    );
  }
}

/**
 * At most `max` Temporal calls in flight; a call that cannot get a slot within `queueMs` fails at
 * once with a {@link BusyError}, so a burst gets quick 503s rather than answers after 10 s.
 */
export class RpcSlots {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly max = 64,
    readonly queueMs = 2_000,
  ) {}

  /** Runs `fn` in a slot. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.max) await this.acquire();
    else this.inFlight++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }

  private acquire(): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new BusyError(Date.now() - started));
      }, this.queueMs);
      this.waiting.push(grant);
    });
  }
}

/** Concurrent calls with the same key share one promise (e.g. 300 readers of one run: one query). */
export class SingleFlight<T> {
  private readonly pending = new Map<string, Promise<T>>();

  /** `fn()` for `key`, or the promise already in flight for it. */
  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.pending.get(key);
    if (existing) return existing;
    const p = fn().finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }
}
