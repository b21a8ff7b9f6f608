/**
 * Browser-facing protections of the API without tokens (SPEC §8): a web page the user visits must
 * not be able to drive the loopback API.
 *
 * - **Host allowlist** (DNS rebinding): a rebinding page reaches 127.0.0.1 under its own name, so
 *   its requests carry `Host: rebind.evil.example`. Only loopback names and
 *   `PHASEGATE_ALLOWED_HOSTS` are answered; anything else is 403 before any route runs.
 * - **Origin check** (CSRF): a state-changing request (anything but GET/HEAD/OPTIONS) whose
 *   `Origin` is not this server's own origin, or whose `Sec-Fetch-Site` says `cross-site`, is 403.
 * - **JSON only**: a state-changing `/api` or `/mcp` request must be `application/json`. A page on
 *   another origin can send `text/plain` or form bodies without a CORS preflight, but never JSON;
 *   with no CORS headers served, the preflight fails and the request is never sent.
 *
 * With tokens configured, the bearer token (never a cookie) is what a cross-site page lacks, so
 * these checks are off. Page form posts (the approvals page without JavaScript) are allowed as
 * `application/x-www-form-urlencoded`, on the page routes only, and only with a same-origin `Origin`.
 */
import type { Request, RequestHandler } from 'express';
import { ApiError } from './api-error';
import { TEXT_TYPES } from './route';

/** Host names that only this machine resolves to itself. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** Deepest nesting accepted in a request body (a plan is about 8 deep; 10,000 would overflow serializers). */
export const MAX_BODY_DEPTH = 64;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host name of a `Host` header value, lowercased and without port or IPv6 brackets; undefined when malformed. */
export function hostNameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::[0-9]{1,5})?$/i.exec(host.trim());
  return m ? (m[1] ?? m[2] ?? '').toLowerCase() : undefined;
}

/** The request's media type, lowercased, without parameters (`req.is` answers null for a body-less request). */
function mediaType(req: Request): string {
  return (req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** `application/json` or `application/<x>+json` (the types the JSON parser reads). */
function isJsonType(type: string): boolean {
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

/** Options of {@link browserGuard}. */
export interface GuardOptions {
  /** Tokens are configured: the guard does nothing. */
  authOn: boolean;
  /** Extra host names (`PHASEGATE_ALLOWED_HOSTS`). */
  allowedHosts?: readonly string[];
}

/** Paths whose POST is a page form (urlencoded) rather than a JSON API call: votes without JavaScript, approve-by-link. */
function isPageForm(path: string): boolean {
  return /^\/runs\/[^/]+\/decisions$/.test(path) || /^\/links\/[^/]+$/.test(path);
}

/** Why a state-changing request is refused, or undefined. */
function crossSiteProblem(req: Request): string | undefined {
  const origin = req.get('origin');
  const host = req.get('host') ?? '';
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = origin === 'null' ? undefined : new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost?.toLowerCase() !== host.toLowerCase())
      return `cross-origin request refused: Origin ${JSON.stringify(origin.slice(0, 100))} is not this server`;
    return undefined;
  }
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `cross-site request refused (Sec-Fetch-Site: ${site.slice(0, 20)})`;
  return undefined;
}

/**
 * The guard middleware; mount it first, before auth and body parsers. Answers 403 for a foreign
 * `Host` or a cross-origin state change, 415 for a state-changing API call that is not JSON.
 */
export function browserGuard(opts: GuardOptions): RequestHandler {
  const hosts = new Set([...LOOPBACK_HOSTS, ...(opts.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  return (req, _res, next) => {
    if (opts.authOn) return next();
    const name = hostNameOf(req.get('host'));
    if (name === undefined || !hosts.has(name)) {
      return next(
        new ApiError(
          403,
          `host ${JSON.stringify((req.get('host') ?? '').slice(0, 100))} is not allowed: use 127.0.0.1 or localhost, or list it in PHASEGATE_ALLOWED_HOSTS`,
        ),
      );
    }
    if (SAFE_METHODS.has(req.method)) return next();
    const crossSite = crossSiteProblem(req);
    if (crossSite) return next(new ApiError(403, crossSite));
    if (isPageForm(req.path)) {
      // A form post must prove it comes from our own page: browsers always send Origin on POST.
      if (req.get('origin') === undefined)
        return next(new ApiError(403, 'form posts need an Origin header of this server'));
      return next();
    }
    const type = mediaType(req);
    const textOk = req.path === '/api/plans/validate' && TEXT_TYPES.includes(type);
    if (!isJsonType(type) && !textOk) {
      return next(
        new ApiError(
          415,
          'state-changing requests need Content-Type: application/json (other types are refused so that no web page can send them)',
        ),
      );
    }
    next();
  };
}

/**
 * Where `value` nests objects/arrays deeper than `max`: the path of the first value too deep (its
 * first segments, e.g. `plan.junk.a…`), or undefined when it does not. Iterative, so a deep value
 * cannot overflow the stack here.
 */
export function tooDeepAt(value: unknown, max: number): string | undefined {
  const stack: [unknown, number, readonly string[]][] = [[value, 0, []]];
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop() as [unknown, number, readonly string[]];
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return path.slice(0, 3).join('.') + (path.length > 3 ? '…' : '');
    for (const [k, child] of Object.entries(v as object)) {
      if (typeof child === 'object' && child !== null)
        stack.push([child, depth + 1, path.length < 4 ? [...path, Array.isArray(v) ? `[${k}]` : k] : path]);
    }
  }
  return undefined;
}

/** Throws a 400 naming where `value` is nested deeper than {@link MAX_BODY_DEPTH}. */
export function assertDepth(value: unknown, what = 'request body'): void {
  const at = tooDeepAt(value, MAX_BODY_DEPTH);
  if (at !== undefined) {
    throw new ApiError(400, `${what} is nested too deeply at ${at || '(top)'}: at most ${MAX_BODY_DEPTH} levels`, [
      { path: at, message: `nested deeper than ${MAX_BODY_DEPTH} levels` },
    ]);
  }
}

/** Middleware after the JSON parser: refuses bodies nested deeper than {@link MAX_BODY_DEPTH}. */
export const bodyDepthLimit: RequestHandler = (req, _res, next) => {
  try {
    assertDepth(req.body);
    next();
  } catch (err) {
    next(err);
  }
};
