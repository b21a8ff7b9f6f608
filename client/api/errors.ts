/**
 * The API's one error envelope, `{error, details?}`, and the middleware that produces it for
 * everything that can go wrong: invalid input (zod issues → 400 with the path of each field),
 * body-parser failures (bad JSON 400, too large 413, unsupported encoding 415), Temporal errors
 * (see `temporal-errors.ts`), unknown routes (404) and bugs (500 with a generic message: no stack
 * trace or internal detail ever reaches a client).
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { formatPath } from '../../workflows/plan/validate';
import { ApiError } from './api-error';
import type { ErrorBody, Problem } from './schemas';
import { temporalToApiError } from './temporal-errors';

/** Re-exported so routes and tests import every error helper from one module. */
export { ApiError };

/** Where a request value came from; names the top of the error paths. */
export type RequestPart = 'body' | 'query' | 'params';

/** Invalid request input: carries the zod issues and which part of the request they concern. */
export class RequestValidationError extends Error {
  constructor(
    readonly part: RequestPart,
    readonly issues: readonly z.core.$ZodIssue[],
    /** Prefix for the paths, e.g. `['plan']`. */
    readonly prefix: readonly PropertyKey[] = [],
  ) {
    super(`invalid request ${part}`);
    this.name = 'RequestValidationError';
  }
}

/**
 * Turns zod issues into `{path, message}` problems. An unknown key is reported at the key itself
 * (`path: "colour"`, `message: "unknown field colour"`), so the field is named either way.
 */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const base = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({ path: formatPath([...base, key]), message: `unknown field "${key}"` });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message === 'Invalid input') {
      // Zod's generic union message says nothing; report the closest alternative's problems instead.
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      problems.push(...issuesToProblems(closest, base));
    } else {
      problems.push({ path: formatPath(base), message: issueMessage(issue) });
    }
  }
  return problems;
}

/** Zod's own wording for a value of the wrong type, which ends in the type it received. */
const MISSING = /, received undefined$/;

function issueMessage(issue: z.core.$ZodIssue): string {
  // Zod 4 leaves the input out of its issues (unless asked to report it), so a missing field is
  // told from a wrong type by the message: only a missing one "received undefined".
  if (issue.code === 'invalid_type' && MISSING.test(issue.message)) return `required (${issue.expected})`;
  return issue.message;
}

/** Parses `value` with `schema` or throws a {@link RequestValidationError} for the error middleware. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, part: RequestPart): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new RequestValidationError(part, result.error.issues);
  return result.data;
}

/**
 * Re-roots problem paths under `root`, for problems found in a part of a body: with root `plan`,
 * `steps[1]` → `plan.steps[1]`, `[0]` → `plan[0]`, and the part itself (`''`) → `plan`.
 */
export function reroot(root: string, problems: readonly Problem[]): Problem[] {
  return problems.map((p) => ({
    path: p.path === '' ? root : p.path.startsWith('[') ? `${root}${p.path}` : `${root}.${p.path}`,
    message: p.message,
  }));
}

/** One sentence naming the problems, for the envelope's `error`. */
export function summarize(problems: readonly Problem[], what = 'invalid request'): string {
  const first = problems.slice(0, 3).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  return `${what}: ${first.join('; ')}${more}`;
}

/** Body-parser errors carry a `type` such as `entity.too.large`; see the `body-parser` README. */
interface BodyParserError extends Error {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
  expose?: boolean;
}

function bodyParserToApiError(err: BodyParserError): ApiError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new ApiError(
        413,
        `request body too large: the limit is ${err.limit ?? 'configured by PHASEGATE_MAX_BODY'} bytes`,
      );
    case 'entity.parse.failed':
      return new ApiError(400, `malformed JSON body: ${err.message.slice(0, 200)}`, [
        { path: '', message: err.message.slice(0, 200) },
      ]);
    case 'encoding.unsupported':
      return new ApiError(415, `unsupported Content-Encoding: ${err.message.slice(0, 200)}`);
    case 'charset.unsupported':
      return new ApiError(415, `unsupported charset: use utf-8 (${err.message.slice(0, 200)})`);
    case 'request.aborted':
      return new ApiError(400, 'request aborted before the body was read');
    case 'request.size.invalid':
      return new ApiError(400, 'request body length does not match Content-Length');
    case 'parameters.too.many':
      return new ApiError(413, 'too many parameters');
    default:
      return undefined;
  }
}

/**
 * Other client errors raised while reading a body (e.g. a corrupt gzip stream): `http-errors`
 * marks those below 500 as safe to expose, so their status and short message are passed on.
 */
function exposedClientError(err: BodyParserError): ApiError | undefined {
  const status = err.status ?? err.statusCode;
  if (err.expose !== true || typeof status !== 'number' || status < 400 || status > 499) return undefined;
  return new ApiError(status, `invalid request body: ${err.message.slice(0, 200)}`);
}

/** Converts anything thrown by a route into an {@link ApiError}; `undefined` means "a bug" (500). */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof RequestValidationError) {
    const problems = issuesToProblems(err.issues, err.prefix);
    return new ApiError(400, summarize(problems, `invalid request ${err.part}`), problems);
  }
  if (err instanceof z.ZodError) {
    const problems = issuesToProblems(err.issues);
    return new ApiError(400, summarize(problems), problems);
  }
  // The router's decodeURIComponent of a path parameter (`/api/runs/%ff`): the client's mistake.
  if (err instanceof URIError) return new ApiError(400, 'malformed URL: a path segment has invalid percent-encoding');
  if (err instanceof Error) {
    const fromParser =
      typeof (err as BodyParserError).type === 'string' ? bodyParserToApiError(err as BodyParserError) : undefined;
    const exposed = fromParser ?? exposedClientError(err as BodyParserError);
    if (exposed) return exposed;
  }
  return temporalToApiError(err);
}

/** The JSON body for an {@link ApiError}. */
export function errorBody(err: ApiError): ErrorBody & Record<string, unknown> {
  return { ...(err.extra ?? {}), error: err.message, ...(err.details ? { details: err.details } : {}) };
}

/** Final error middleware: every failure leaves as the envelope. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const apiError = toApiError(err);
    if (apiError) {
      if (apiError.status >= 500) logger.warn({ err, path: req.path }, apiError.message);
      // Overload and unavailability are temporary: say when to come back (the rate limiter sets its own).
      if ((apiError.status === 503 || apiError.status === 429) && !res.get('Retry-After')) res.set('Retry-After', '1');
      res.status(apiError.status).json(errorBody(apiError));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unexpected error');
    res.status(500).json({ error: 'internal error: the server failed to handle this request (see the server log)' });
  };
}

/** 404 for routes that do not exist, in the envelope. */
export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: `no route ${req.method} ${req.path}` });
};
