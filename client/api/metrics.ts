/**
 * The API's Prometheus metrics at `GET /metrics`:
 * - `phasegate_http_requests_total{method,route,status}` and
 *   `phasegate_http_request_duration_seconds{method,route}`: every request, labelled with its route
 *   template (`/api/runs/:runId`), never the raw path, so run ids cannot multiply the series;
 * - `phasegate_decisions_total{decision,result}`: votes sent through the API and what became of them;
 * - `phasegate_runs_started_total{plan}`: runs started through the API;
 * - `phasegate_runs_by_outcome{outcome}`: runs in Temporal visibility (so within the namespace's
 *   retention, started by anyone, a program's phases included) that ended with each outcome, counted
 *   on scrape with one count query per outcome and cached for a few seconds, so a fast scraper
 *   costs Temporal at most five cheap queries per cache period.
 *
 * Access: open when the API runs without any token; otherwise `/metrics` needs
 * `PHASEGATE_METRICS_TOKEN` (a scrape-only token for Prometheus) or a token with the `operator` role.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Express, Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Outcome } from '../../workflows/status';
import { ApiError } from './api-error';
import { requireRole, type TokenStore } from './auth';
import { withDeadline, type AppDeps } from './deps';
import { onResponseDone } from './response-done';
import type { AnyRoute } from './route';
import { allRoutes } from './routes';
import { runsQuery } from './visibility';

/** Options of the metrics, for `createApp` (next to `AppOptions`). */
export interface MetricsAppOptions {
  /** The registry and instruments to use (default: a fresh {@link ApiMetrics} per app). */
  metrics?: ApiMetrics;
  /** A bearer token that may read `/metrics` and nothing else (`PHASEGATE_METRICS_TOKEN`). */
  metricsToken?: string;
}

/** Options of {@link ApiMetrics}. */
export interface ApiMetricsOptions {
  /** How long counted outcomes are reused between scrapes (default 10 s). */
  outcomeCacheMs?: number;
  /** Also export the process's CPU, memory and event-loop metrics (the API process does; tests do not). */
  processMetrics?: boolean;
}

/** Every outcome, in the order they are listed. */
export const OUTCOMES: readonly Outcome[] = ['succeeded', 'rejected', 'failed', 'cancelled', 'timed-out'];

/** The decision route, whose requests also count as decisions. */
const DECISION_ROUTE = '/api/runs/:runId/decisions';
/**
 * The plan ids of the runs a request started (`POST /api/runs`: one; `POST /api/runs/batch`: one
 * per started item), which routes put in `res.locals.startedPlans` for the started-runs counter.
 */
function startedPlansOf(res: Response): readonly string[] {
  const plans = res.locals.startedPlans as unknown;
  return Array.isArray(plans) ? plans.filter((p): p is string => typeof p === 'string') : [];
}
/** Distinct `plan` label values kept before the rest count as `other` (inline plans carry any id). */
const MAX_PLAN_LABELS = 200;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** What became of a decision request, from its status code. */
export function decisionResult(status: number): string {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 400) return 'invalid';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'refused';
  return 'error';
}

interface CompiledRoute {
  label: string;
  /** A literal segment, or null for a `:param`. */
  segments: (string | null)[];
  literals: number;
}

/**
 * Finds the route template of a path among `routes` (the most literal match wins), so requests
 * refused before routing (401, 413, 415) are labelled like the ones that reached their handler.
 */
export function routeMatcher(routes: readonly Pick<AnyRoute, 'path'>[]): (path: string) => string | undefined {
  const compiled: CompiledRoute[] = [...new Set(routes.map((r) => r.path))].map((label) => {
    const segments = label.split('/').map((s) => (s.startsWith(':') ? null : s));
    return { label, segments, literals: segments.filter((s) => s !== null).length };
  });
  return (path) => {
    const parts = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
    let best: CompiledRoute | undefined;
    for (const route of compiled) {
      if (route.segments.length !== parts.length) continue;
      if (!route.segments.every((s, i) => (s === null ? parts[i] !== '' : s === parts[i]))) continue;
      if (!best || route.literals > best.literals) best = route;
    }
    return best?.label;
  };
}

/** The API's instruments, in their own registry (several apps in one process do not collide). */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;
  private readonly decisions: Counter<'decision' | 'result'>;
  private readonly runsStarted: Counter<'plan'>;
  private readonly planLabels = new Set<string>();
  private readonly outcomeCacheMs: number;
  private countOutcomes: (() => Promise<Map<Outcome, number>>) | undefined;
  private counted: { at: number; values: Map<Outcome, number> } | undefined;
  private counting: Promise<void> | undefined;
  private onCountError: (err: unknown) => void = () => undefined;

  constructor(opts: ApiMetricsOptions = {}) {
    const registers = [this.registry];
    this.outcomeCacheMs = opts.outcomeCacheMs ?? 10_000;
    this.requests = new Counter({
      name: 'phasegate_http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'phasegate_http_request_duration_seconds',
      help: 'HTTP request duration by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.decisions = new Counter({
      name: 'phasegate_decisions_total',
      help: 'Gate decisions sent through the API, by decision and result',
      labelNames: ['decision', 'result'],
      registers,
    });
    this.runsStarted = new Counter({
      name: 'phasegate_runs_started_total',
      help: 'Runs started through the API, by plan id',
      labelNames: ['plan'],
      registers,
    });
    const outcomes = new Gauge({
      name: 'phasegate_runs_by_outcome',
      help: 'Runs in Temporal visibility (within retention) that ended with each outcome; counted on scrape, cached',
      labelNames: ['outcome'],
      registers,
      collect: async () => {
        const values = await this.outcomeValues();
        for (const [outcome, count] of values ?? []) outcomes.set({ outcome }, count);
      },
    });
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Sets where outcomes are counted (the app's Temporal client) and where count failures are reported. */
  countOutcomesWith(count: () => Promise<Map<Outcome, number>>, onError: (err: unknown) => void): void {
    this.countOutcomes = count;
    this.onCountError = onError;
  }

  /** The cached counts, refreshed when older than the cache period; the last good counts if Temporal fails. */
  private async outcomeValues(): Promise<Map<Outcome, number> | undefined> {
    const count = this.countOutcomes;
    if (!count) return undefined;
    if (!this.counted || Date.now() - this.counted.at >= this.outcomeCacheMs) {
      // Concurrent scrapes share one round of queries.
      this.counting ??= count()
        .then((values) => void (this.counted = { at: Date.now(), values }))
        .catch((err: unknown) => {
          this.onCountError(err);
          // Wait a cache period before asking a struggling Temporal again.
          if (this.counted) this.counted.at = Date.now();
        })
        .finally(() => (this.counting = undefined));
      await this.counting;
    }
    return this.counted?.values;
  }

  /** Middleware that records every request once its response is finished (or abandoned: status 499). */
  observe(routes: readonly Pick<AnyRoute, 'path'>[]): RequestHandler {
    const match = routeMatcher(routes);
    return (req, res, next) => {
      onResponseDone(res, (status, ms) => {
        const method = METHODS.has(req.method) ? req.method : 'OTHER';
        const route = match(req.path) ?? expressRoute(req) ?? (status === 404 ? '(unmatched)' : '(other)');
        this.requests.inc({ method, route, status: String(status) });
        this.duration.observe({ method, route }, ms / 1000);
        if (method === 'POST' && route === DECISION_ROUTE) this.recordDecision(req, status);
        for (const plan of startedPlansOf(res)) this.runsStarted.inc({ plan: this.planLabel(plan) });
      });
      next();
    };
  }

  private recordDecision(req: Request, status: number): void {
    const decision = (req.body as { decision?: unknown } | undefined)?.decision;
    this.decisions.inc({
      decision: decision === 'go' || decision === 'no-go' ? decision : 'invalid',
      result: decisionResult(status),
    });
  }

  /** A started plan's id as a label (a bundled id, or an inline plan's `id`), bounded in number. */
  private planLabel(id: string): string {
    if (id === '') return 'unknown';
    if (this.planLabels.has(id)) return id;
    if (this.planLabels.size >= MAX_PLAN_LABELS) return 'other';
    this.planLabels.add(id);
    return id;
  }
}

/** The template of a route Express matched outside the API's own list (e.g. HTML pages). */
function expressRoute(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}

/** Counts the runs of each outcome with Temporal's count API, all outcomes in parallel. */
export async function countRunsByOutcome(deps: AppDeps): Promise<Map<Outcome, number>> {
  const counts = await Promise.all(
    OUTCOMES.map((state) =>
      withDeadline(deps, () => deps.client.workflow.count(runsQuery({ state })), deps.healthTimeoutMs),
    ),
  );
  return new Map(OUTCOMES.map((outcome, i) => [outcome, counts[i]?.count ?? 0]));
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Guards `/metrics`: open without any token configured; otherwise the metrics token or an
 * `operator` token. A scraper should get the metrics token: an operator token could also start
 * and cancel runs.
 */
export function metricsAccess(tokens: TokenStore, metricsToken: string | undefined): RequestHandler {
  const expected = metricsToken === undefined ? undefined : digest(metricsToken);
  return (req, res, next) => {
    if (tokens.size === 0 && !expected) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Bearer realm="phasegate"');
    const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match)
      throw new ApiError(401, 'authentication required: send Authorization: Bearer <metrics or operator token>');
    const token = match[1] as string;
    // Digests have equal lengths, as timingSafeEqual needs, and hide the token's length.
    if (expected && timingSafeEqual(digest(token), expected)) {
      next();
      return;
    }
    const principal = tokens.authenticate(token);
    if (!principal) throw new ApiError(401, 'unknown token');
    requireRole(principal, ['operator']);
    next();
  };
}

/**
 * Mounts `GET /metrics` and the request instruments on `app`. Call right after the request logger,
 * before auth and routes, so every request is measured and `/metrics` is not under `/api`'s auth.
 */
export function mountMetrics(
  app: Express,
  deps: AppDeps,
  opts: MetricsAppOptions = {},
  guard?: RequestHandler,
): ApiMetrics {
  const metrics = opts.metrics ?? new ApiMetrics();
  metrics.countOutcomesWith(
    () => countRunsByOutcome(deps),
    (err) =>
      deps.logger.warn(
        { err: (err as Error).message },
        'metrics: counting runs by outcome failed; serving the last counts',
      ),
  );
  app.use(metrics.observe(allRoutes()));
  // The guard comes after the observer, so requests it refuses are counted too, and before /metrics.
  if (guard) app.use(guard);
  app.get('/metrics', metricsAccess(deps.tokens, opts.metricsToken), async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.set('Content-Type', metrics.registry.contentType).set('Cache-Control', 'no-store').send(text);
  });
  return metrics;
}
