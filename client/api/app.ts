/**
 * Builds the Express app of the HTTP API (SPEC §5). No listening here (see `server.ts`), so tests
 * can mount it on an ephemeral port with the test environment's Temporal client.
 */
import express, { type Express } from 'express';
import { authenticate } from './auth';
import { resolveDeps, type AppDeps, type AppOptions } from './deps';
import { errorHandler, notFoundHandler } from './errors';
import { bodyDepthLimit, browserGuard } from './guard';
import { requestLogger } from './logging';
import { mountMetrics, type MetricsAppOptions } from './metrics';
import { rateLimiter } from './overload';
import { pagesRouter } from './pages';
import { linksRouter } from './pages/links';
import { mcpRouter } from '../mcp/http';
import { JSON_TYPES, mountRoutes, TEXT_TYPES } from './route';
import { allRoutes } from './routes';

/** Options of {@link createApp} (see `deps.ts`). */
export type { AppOptions } from './deps';

/** The app plus its resolved dependencies (handy for tests and the server's shutdown). */
export interface PhasegateApp {
  app: Express;
  deps: AppDeps;
}

/**
 * Creates the app. Order matters: logging first (every request gets a line), then auth for `/api`
 * (before bodies are read, so an unauthenticated client cannot make the server parse a large
 * body), then the body parsers, the routes, the 404 and the error envelope.
 */
export function createApp(opts: AppOptions & MetricsAppOptions): Express {
  return createPhasegateApp(opts).app;
}

/** Like {@link createApp}, also returning the resolved dependencies. */
export function createPhasegateApp(opts: AppOptions & MetricsAppOptions): PhasegateApp {
  const deps = resolveDeps(opts);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('json spaces', 0);
  app.use(requestLogger(deps.logger));
  // Before anything reads the request (only the metrics observer counts it first): a foreign Host or a
  // cross-site state change never reaches a route, nor /metrics.
  const guard = browserGuard({ authOn: deps.tokens.size > 0, allowedHosts: deps.allowedHosts });
  mountMetrics(app, deps, opts, guard); // GET /metrics and per-request metrics, outside /api's auth (see metrics.ts)
  app.use(['/api', '/mcp', '/fragments'], rateLimiter(deps.rateLimit));
  app.use('/api', authenticate(deps.tokens));
  app.use('/mcp', authenticate(deps.tokens)); // the same tokens: a bad one is a 401 before MCP sees the request
  app.use(express.json({ limit: deps.maxBodyBytes, type: JSON_TYPES, strict: true }));
  app.use(bodyDepthLimit);
  app.use('/api/plans/validate', express.text({ limit: deps.maxBodyBytes, type: TEXT_TYPES }));
  app.use(mcpRouter(deps)); // POST /mcp: MCP over Streamable HTTP, the same routes in-process (client/mcp/http.ts)
  mountRoutes(app, allRoutes(), deps);
  app.use(pagesRouter(deps)); // people-facing pages: /, /runs, /runs/:runId (see pages/index.ts)
  app.use(linksRouter(deps)); // approve by link: GET/POST /links/:token (see pages/links.ts)
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return { app, deps };
}
