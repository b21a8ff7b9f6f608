/**
 * The one "Phasegate API client" every MCP tool acts through. Each tool names an API operation
 * (a route of SPEC §5) and hands over that route's raw params, query and body; a backend performs
 * it: over HTTP for `phase mcp` (see `http-backend.ts`), or in the API process for `POST /mcp`
 * (see `app-backend.ts`), where the route runs with the caller's own token identity and roles.
 * So both transports have the same tools, the same checks and the same answers.
 */

/** One API operation: the method and Express path of its route. */
export interface Operation {
  method: 'get' | 'post';
  path: string;
}

/** The API operations the tools use, by name. Paths are exactly the routes' (SPEC §5). */
export const OPERATIONS = {
  listPlans: { method: 'get', path: '/api/plans' },
  validatePlan: { method: 'post', path: '/api/plans/validate' },
  startRun: { method: 'post', path: '/api/runs' },
  listRuns: { method: 'get', path: '/api/runs' },
  getRun: { method: 'get', path: '/api/runs/:runId' },
  cancelRun: { method: 'post', path: '/api/runs/:runId/cancel' },
  report: { method: 'get', path: '/api/runs/:runId/report' },
  decide: { method: 'post', path: '/api/runs/:runId/decisions' },
  claimNext: { method: 'post', path: '/api/agents/:agent/claim' },
  heartbeat: { method: 'post', path: '/api/runs/:runId/steps/:stepId/heartbeat' },
  complete: { method: 'post', path: '/api/runs/:runId/steps/:stepId/complete' },
  fail: { method: 'post', path: '/api/runs/:runId/steps/:stepId/fail' },
} as const satisfies Record<string, Operation>;

/** The name of an operation in {@link OPERATIONS}. */
export type OperationName = keyof typeof OPERATIONS;

/** Raw inputs of an operation, as an HTTP client would send them (query values are strings). */
export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/** A successful (2xx) answer: the status and the body, JSON-parsed, or text when it was not JSON. */
export interface CallResult {
  status: number;
  body: unknown;
}

/** A refused or failed call: the API's status (0: the API could not be reached), message and per-field details. */
export class BackendError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: readonly { path: string; message: string }[] = [],
    /** The error body's other fields (e.g. `ok: false, errors` of plan validation). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

/** Performs API operations for the MCP tools. Resolves with a 2xx answer; throws {@link BackendError} otherwise. */
export interface PhasegateBackend {
  call(op: OperationName, input?: CallInput): Promise<CallResult>;
}

/** `path` with its `:name` segments replaced by the URL-encoded params; throws when one is missing (a bug). */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}
