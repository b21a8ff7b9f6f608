/**
 * A small typed client of the Phasegate HTTP API, used by the CLI (and handy in scripts and tests).
 * Errors keep the API's envelope, so the CLI can print the server's message and details.
 */
import type { GateStatus, RunStatus, StepStatus } from '../../workflows/status';
import type {
  AgentTask,
  ClaimBody,
  CompleteBody,
  Lease,
  DecisionBody,
  FailBody,
  HeartbeatBody,
  PlanSummary,
  Problem,
  RunList,
  StartRunResponse,
} from '../api/schemas';
import { exitCodeForStatus, ExitCode, type ExitCodeValue } from './exit-codes';

/** Body of a claim-next as sent (`wait` as text, e.g. `"20s"`; at most 60s). */
export interface ClaimNextInput {
  wait?: string;
  runId?: string;
  leaseId?: string;
  label?: string;
  claimant?: string;
}

/** Default API address. */
export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** A failed API call: HTTP status (0 when the server could not be reached), message and details. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Problem[] = [],
    readonly body: unknown = undefined,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }

  /** The CLI exit code for this failure. */
  get exitCode(): ExitCodeValue {
    return this.status === 0 ? ExitCode.SERVER : exitCodeForStatus(this.status);
  }
}

/** Filters of {@link PhasegateApi.listRuns}. */
export interface ListRunsOptions {
  state?: string;
  plan?: string;
  awaitingApproval?: boolean;
  pageSize?: number;
  nextPageToken?: string;
}

/** Typed calls of the Phasegate API. */
export class PhasegateApi {
  readonly baseUrl: string;

  constructor(
    baseUrl: string = DEFAULT_API_URL,
    private readonly token?: string,
    /** Per-request timeout. */
    private readonly timeoutMs = 30_000,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Sends one request; resolves with the parsed JSON body of a 2xx, throws {@link ApiRequestError} otherwise. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    // Every state change is JSON, body or not: the API refuses other types when it runs without tokens (CSRF).
    if (body !== undefined || method !== 'GET') headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiRequestError(
        0,
        `cannot reach the Phasegate API at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text for the message
    }
    if (!response.ok) {
      const envelope = parsed as { error?: unknown; details?: unknown } | undefined;
      const message =
        typeof envelope?.error === 'string'
          ? envelope.error
          : `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      const details = Array.isArray(envelope?.details) ? (envelope.details as Problem[]) : [];
      throw new ApiRequestError(response.status, message, details, parsed);
    }
    return parsed as T;
  }

  /** `GET /api/plans` */
  plans(): Promise<PlanSummary[]> {
    return this.request('GET', '/api/plans');
  }

  /** `POST /api/runs` */
  startRun(plan: string | object, runId?: string): Promise<StartRunResponse> {
    return this.request('POST', '/api/runs', { plan, ...(runId ? { runId } : {}) });
  }

  /** `GET /api/runs/:runId` */
  status(runId: string): Promise<RunStatus> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}`);
  }

  /** `GET /api/runs` */
  listRuns(opts: ListRunsOptions = {}): Promise<RunList> {
    const query = new URLSearchParams();
    if (opts.state) query.set('state', opts.state);
    if (opts.plan) query.set('plan', opts.plan);
    if (opts.awaitingApproval !== undefined) query.set('awaitingApproval', String(opts.awaitingApproval));
    if (opts.pageSize) query.set('pageSize', String(opts.pageSize));
    if (opts.nextPageToken) query.set('nextPageToken', opts.nextPageToken);
    const qs = query.toString();
    return this.request('GET', `/api/runs${qs ? `?${qs}` : ''}`);
  }

  /** `POST /api/runs/:runId/decisions` */
  decide(runId: string, decision: DecisionBody): Promise<GateStatus> {
    return this.request('POST', `/api/runs/${encodeURIComponent(runId)}/decisions`, decision);
  }

  /** `POST /api/runs/:runId/cancel` */
  cancel(runId: string): Promise<{ runId: string; cancelRequested: true }> {
    return this.request('POST', `/api/runs/${encodeURIComponent(runId)}/cancel`, {});
  }

  /** `POST /api/runs/:runId/steps/:stepId/{retry,skip}` */
  act(runId: string, stepId: string, action: 'retry' | 'skip', comment?: string): Promise<StepStatus> {
    return this.request('POST', `${stepPath(runId, stepId)}/${action}`, comment !== undefined ? { comment } : {});
  }

  /** `GET /api/agents/:agent/tasks` */
  agentTasks(agent: string): Promise<AgentTask[]> {
    return this.request('GET', `/api/agents/${encodeURIComponent(agent)}/tasks`);
  }

  /** `POST /api/agents/:agent/claim`: a lease, or undefined (204) when no task came within `wait`. */
  claimNext(agent: string, body: ClaimNextInput = {}): Promise<Lease | undefined> {
    return this.request('POST', `/api/agents/${encodeURIComponent(agent)}/claim`, body);
  }

  /** `POST .../claim`: a lease on that step's open attempt. */
  claim(runId: string, stepId: string, body: ClaimBody = {}): Promise<Lease> {
    return this.request('POST', `${stepPath(runId, stepId)}/claim`, body);
  }

  /** `POST .../heartbeat` */
  heartbeat(runId: string, stepId: string, body: HeartbeatBody): Promise<StepStatus> {
    return this.request('POST', `${stepPath(runId, stepId)}/heartbeat`, body);
  }

  /** `POST .../complete` */
  complete(runId: string, stepId: string, body: CompleteBody): Promise<StepStatus> {
    return this.request('POST', `${stepPath(runId, stepId)}/complete`, body);
  }

  /** `POST .../fail` */
  fail(runId: string, stepId: string, body: FailBody): Promise<StepStatus> {
    return this.request('POST', `${stepPath(runId, stepId)}/fail`, body);
  }
}

function stepPath(runId: string, stepId: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}`;
}
