/**
 * `npm run api`: the HTTP API process. Validates the environment (exit 2 with one line per bad
 * value), refuses to listen beyond loopback without tokens, connects to Temporal, listens, and on
 * SIGINT/SIGTERM stops accepting connections, lets in-flight requests finish, then closes the
 * Temporal connection.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type pino from 'pino';
import { listSetting, loadEnvOrExit, type Env } from '../../config/env';
import { stopTracing } from '../../config/tracing';
import { plansDir } from '../plans';
import { closeTemporalClient, getTemporalClient } from '../temporal';
import { createPhasegateApp } from './app';
import { loadTokenStore, type TokenStore } from './auth';
import { parseGroupSpec } from '../groups';
import { parseByteSize } from './deps';
import { createApiLogger } from './logging';
import { ApiMetrics } from './metrics';

/** Hosts that only this machine can reach. */
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Exits with a message: 2 for configuration problems, 1 for runtime failures. */
function die(code: number, message: string): never {
  console.error(message);
  process.exit(code);
}

/** The host to bind, or a reason to refuse: without tokens only loopback is allowed. */
export function bindHost(env: Pick<Env, 'HOST'>, tokens: TokenStore): { host: string } | { refuse: string } {
  if (tokens.size > 0) return { host: env.HOST };
  if (LOOPBACK.has(env.HOST)) return { host: env.HOST === 'localhost' ? '127.0.0.1' : env.HOST };
  return {
    refuse:
      `Refusing to start: HOST=${env.HOST} would expose the API beyond this machine, but no tokens are configured.\n` +
      'Set PHASEGATE_TOKENS (e.g. "s3cret=alice:operator,approver") or PHASEGATE_TOKENS_FILE, or use HOST=127.0.0.1.',
  };
}

async function connectWithRetry(env: Env, logger: pino.Logger): Promise<Awaited<ReturnType<typeof getTemporalClient>>> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await getTemporalClient(env);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      logger.warn(
        { attempt, address: env.TEMPORAL_ADDRESS, err: (err as Error).message },
        'Temporal not reachable yet; retrying',
      );
      await new Promise((r) => setTimeout(r, Math.min(5_000, 500 * attempt)));
    }
  }
}

/** Closes the server gracefully: no new connections, in-flight requests finish (up to a grace period). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    // Keep-alive connections become idle as their last request finishes; close them as they do,
    // rather than waiting out the keep-alive timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    sweep.unref();
    server.close(() => {
      clearTimeout(force);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  const logger = createApiLogger(env.LOG_LEVEL);
  let tokens: TokenStore;
  try {
    tokens = loadTokenStore(env);
    parseByteSize(env.PHASEGATE_MAX_BODY);
  } catch (err) {
    die(2, `Invalid configuration:\n  ${(err as Error).message}`);
  }
  const bind = bindHost(env, tokens);
  if ('refuse' in bind) die(2, bind.refuse);
  if (tokens.size === 0) {
    const line = '!'.repeat(78);
    console.warn(
      `${line}\n!! AUTH IS OFF: no PHASEGATE_TOKENS configured. Anyone who can reach ${bind.host}:${env.PORT} can\n!! start, cancel and approve runs. Listening on loopback only.\n${line}`,
    );
  }

  const client = await connectWithRetry(env, logger).catch((err: unknown) =>
    die(1, `Cannot connect to Temporal at ${env.TEMPORAL_ADDRESS}: ${(err as Error).message}`),
  );
  const { app, deps } = createPhasegateApp({
    client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    uiUrl: env.TEMPORAL_UI_URL,
    plansDir: plansDir(env),
    tokens,
    groups: parseGroupSpec(env.PHASEGATE_GROUPS ?? ''),
    ...(env.PHASEGATE_LINK_SECRET ? { linkSecret: env.PHASEGATE_LINK_SECRET } : {}),
    maxBody: env.PHASEGATE_MAX_BODY,
    logger,
    metrics: new ApiMetrics({ processMetrics: true }),
    allowedHosts: listSetting(env.PHASEGATE_ALLOWED_HOSTS),
    inlinePlans: env.PHASEGATE_INLINE_PLANS,
    executors: listSetting(env.PHASEGATE_EXECUTORS),
    rateLimit: env.PHASEGATE_RATE_LIMIT,
    ...(env.PHASEGATE_METRICS_TOKEN ? { metricsToken: env.PHASEGATE_METRICS_TOKEN } : {}),
  });
  const catalog = await deps.catalog();
  for (const problem of catalog.problems)
    logger.warn({ file: problem.file, errors: problem.errors }, 'plan file skipped: invalid');
  logger.info({ dir: catalog.dir, plans: [...catalog.plans.keys()] }, 'bundled plans');

  const server = app.listen(env.PORT, bind.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch((err: unknown) => die(1, `Cannot listen on ${bind.host}:${env.PORT}: ${(err as Error).message}`));
  const address = server.address() as AddressInfo;
  logger.info(
    {
      url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
      auth: tokens.size > 0,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
    },
    'Phasegate API listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await closeServer(server);
    await closeTemporalClient();
    await stopTracing();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err: unknown) => die(1, `API failed to start: ${(err as Error).message}`));
}
