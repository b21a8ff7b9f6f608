/**
 * The backend of `POST /mcp`: each operation runs the API's own route in this process, with the
 * principal of the MCP request's bearer token. The route's role check, schemas and handler are the
 * ones `/api` uses (through `invokeRoute`), so an agent token cannot decide and an approver token
 * cannot claim here either, and errors carry the same status and field paths.
 */
import type { Request, Response } from 'express';
import type { Principal } from '../api/auth';
import type { AppDeps } from '../api/deps';
import { toApiError } from '../api/errors';
import { invokeRoute, type AnyRoute } from '../api/route';
import { allRoutes } from '../api/routes';
import {
  BackendError,
  OPERATIONS,
  type CallInput,
  type CallResult,
  type OperationName,
  type PhasegateBackend,
} from './backend';

let table: Map<string, AnyRoute> | undefined;
function routeFor(method: string, path: string): AnyRoute | undefined {
  table ??= new Map(allRoutes().map((r) => [`${r.method} ${r.path}`, r]));
  return table.get(`${method} ${path}`);
}

/** Runs API routes in-process for one MCP request. */
export class AppBackend implements PhasegateBackend {
  constructor(
    private readonly deps: AppDeps,
    private readonly principal: Principal | undefined,
    /** The `/mcp` request and response: handlers see the caller's request (e.g. to notice it went away). */
    private readonly req: Request,
    private readonly res: Response,
  ) {}

  /** Runs the operation's route. Throws {@link BackendError} with the status `/api` would answer. */
  async call(op: OperationName, input: CallInput = {}): Promise<CallResult> {
    const { method, path } = OPERATIONS[op];
    const route = routeFor(method, path);
    if (!route) throw new BackendError(501, `this server does not offer ${method.toUpperCase()} ${path} yet`);
    try {
      const result = await invokeRoute(
        route,
        { params: input.params ?? {}, query: input.query ?? {}, body: () => input.body ?? {} },
        this.principal,
        this.deps,
        this.req,
        this.res,
      );
      return { status: result.status, body: result.body };
    } catch (err) {
      const apiError = toApiError(err);
      if (!apiError) {
        // A bug: logged here with its stack, never shown to the client.
        this.deps.logger.error({ err, op }, 'MCP tool failed unexpectedly');
        throw new BackendError(500, 'internal error: the server failed to handle this request (see the server log)');
      }
      if (apiError.status >= 500) this.deps.logger.warn({ err, op }, apiError.message);
      throw new BackendError(apiError.status, apiError.message, apiError.details ?? [], apiError.extra ?? {});
    }
  }
}
