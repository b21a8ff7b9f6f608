/**
 * One declaration per route: path, who may call it, the schemas of its params, query and body, its
 * responses, and its handler. The same list mounts the Express routes and generates the OpenAPI
 * document, so the document always lists every route exactly as served.
 */
import type { Express, Request, Response } from 'express';
import type { z } from 'zod';
import type { Role, Principal } from './auth';
import { principalOf, requireRole } from './auth';
import { ApiError, parseRequest } from './errors';
import type { AppDeps } from './deps';
import { requirePhasegateRun } from './run-guard';
import { NoQuerySchema } from './schemas';

/** Who may call a route: nobody needs a token (`public`), any token (`any`), or a token with one of the roles. */
export type Access = 'public' | 'any' | readonly Role[];

/** How a route takes its body. */
export interface BodySpec<B extends z.ZodType> {
  schema: B;
  /** Schema shown in the OpenAPI document when it differs from the validating one. */
  docSchema?: z.ZodType;
  /** When false, an empty body is read as `{}`. */
  required: boolean;
  /** Also accept raw YAML/JSON text (`application/yaml`, `text/plain`), handed to the schema as a string. */
  acceptsText?: boolean;
}

/** A documented response. */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

/** What a handler gets: the parsed inputs and the app's dependencies. */
export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | undefined;
  deps: AppDeps;
  req: Request;
  res: Response;
}

/** What a handler returns: the status and JSON body to send (or, with `contentType`, a text body as it is). */
export interface RouteResult {
  status: number;
  body: unknown;
  /** Send `body` (a string) with this Content-Type instead of as JSON, e.g. `text/markdown; charset=utf-8`. */
  contentType?: string;
}

/** A route declaration. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express path, e.g. `/api/runs/:runId`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: BodySpec<B>;
  responses: Record<number, ResponseSpec>;
  /**
   * Checks of the parsed inputs that need no Temporal call (e.g. who may send which field); run
   * before the is-this-a-Phasegate-run look-up, so a bad request is a 400 even while Temporal is down.
   */
  precheck?(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): void;
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResult>;
}

/** A route with its generics erased, for lists. */
export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

/** Declares a route (keeps the handler's input types tied to its schemas). */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  spec: RouteSpec<P, Q, B>,
): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** Content types read as JSON bodies. */
export const JSON_TYPES = ['application/json', 'application/*+json'];
/** Content types read as plan text. */
export const TEXT_TYPES = ['text/plain', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function readBody(req: Request, spec: BodySpec<z.ZodType>): unknown {
  if (!hasBody(req)) {
    if (spec.required)
      throw new ApiError(400, 'request body required: send a JSON object with Content-Type: application/json', [
        { path: '', message: 'required' },
      ]);
    return {};
  }
  const textOk = spec.acceptsText === true;
  if (req.is(JSON_TYPES)) return req.body;
  if (textOk && req.is(TEXT_TYPES)) return typeof req.body === 'string' ? req.body : '';
  const expected = textOk ? 'application/json, application/yaml or text/plain' : 'application/json';
  throw new ApiError(
    415,
    `unsupported Content-Type ${JSON.stringify(req.get('content-type') ?? '(none)')}: send ${expected}`,
  );
}

/** The raw inputs of one route call; `body` is read only after the role check passes. */
export interface RouteInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body(): unknown;
}

/**
 * Runs one route for `principal`: the role check, then params, query and body parsed with the
 * route's schemas, then the handler. HTTP requests and MCP tool calls (`client/mcp`) both go
 * through here, so they get the same roles and the same 400s. Throws what the handler throws.
 */
export async function invokeRoute(
  route: AnyRoute,
  input: RouteInput,
  principal: Principal | undefined,
  deps: AppDeps,
  req: Request,
  res: Response,
): Promise<RouteResult> {
  if (route.access !== 'public' && route.access !== 'any') requireRole(principal, route.access);
  const params = route.params ? parseRequest(route.params, input.params, 'params') : {};
  const runId = (params as { runId?: unknown }).runId;
  if (typeof runId === 'string') res.locals.runId = runId;
  // Routes without a query schema accept none: an unknown parameter is named in a 400.
  const query = parseRequest(route.query ?? NoQuerySchema, input.query, 'query');
  const body = route.body ? parseRequest(route.body.schema, input.body(), 'body') : undefined;
  // Inputs first (a bad request is a 400 without a Temporal call), then: is this one of our runs?
  const ctx = { params, query, body, principal, deps, req, res };
  route.precheck?.(ctx);
  if (typeof runId === 'string') await requirePhasegateRun(deps, runId);
  return route.handler(ctx);
}

/** Mounts the routes on the app, each parsing its inputs before its handler runs. */
export function mountRoutes(app: Express, routes: readonly AnyRoute[], deps: AppDeps): void {
  for (const route of routes) {
    app[route.method](route.path, async (req, res) => {
      const input: RouteInput = {
        params: { ...req.params },
        query: { ...(req.query as object) },
        body: () => (route.body ? readBody(req, route.body) : undefined),
      };
      const result = await invokeRoute(route, input, principalOf(req), deps, req, res);
      if (result.status === 204) res.status(204).end();
      else if (result.contentType && typeof result.body === 'string')
        res.status(result.status).type(result.contentType).send(result.body);
      else res.status(result.status).json(result.body);
    });
  }
}
