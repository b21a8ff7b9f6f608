/**
 * `npm run api`: the HTTP API process. Validates the environment (exit 2 with one line per bad
 * value), refuses to listen beyond loopback without tokens, connects to Temporal, listens, and on
 * SIGINT/SIGTERM stops accepting connections, lets in-flight requests finish, then closes the
 * Temporal connection. Configuration lives in `server-config.ts`, the socket and shutdown in
 * `listen.ts`, the app in `app.ts`.
 */
import type { Client } from '@temporalio/client';
import type pino from 'pino';
import type { Env } from '../../config/env';
import { getTemporalClient } from '../temporal';
import { createPhasegateApp } from './app';
import type { AppDeps } from './deps';
import { listen, serverUrl, stopOnSignals } from './listen';
import { appOptions, die, loadServerConfig, type ServerConfig } from './server-config';

export { bindHost } from './server-config';

/** Connects to Temporal, retrying (with a growing pause, at most 5 s) for up to a minute; then throws the last error. */
async function connectWithRetry(env: Env, logger: pino.Logger): Promise<Client> {
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

/** Logs the bundled plans once at startup, with a warning per plan file that was skipped. */
async function logCatalog(deps: AppDeps, logger: pino.Logger): Promise<void> {
  const catalog = await deps.catalog();
  for (const problem of catalog.problems)
    logger.warn({ file: problem.file, errors: problem.errors }, 'plan file skipped: invalid');
  logger.info({ dir: catalog.dir, plans: [...catalog.plans.keys()] }, 'bundled plans');
}

async function main(): Promise<void> {
  const config: ServerConfig = loadServerConfig();
  const { env, logger, host } = config;
  const client = await connectWithRetry(env, logger).catch((err: unknown) =>
    die(1, `Cannot connect to Temporal at ${env.TEMPORAL_ADDRESS}: ${(err as Error).message}`),
  );
  const { app, deps } = createPhasegateApp(appOptions(config, client));
  await logCatalog(deps, logger);

  const server = await listen(app, host, env.PORT).catch((err: unknown) =>
    die(1, `Cannot listen on ${host}:${env.PORT}: ${(err as Error).message}`),
  );
  logger.info(
    { url: serverUrl(server), auth: config.tokens.size > 0, taskQueue: env.TEMPORAL_TASK_QUEUE },
    'Phasegate API listening',
  );
  stopOnSignals(server, logger);
}

if (require.main === module) {
  main().catch((err: unknown) => die(1, `API failed to start: ${(err as Error).message}`));
}
