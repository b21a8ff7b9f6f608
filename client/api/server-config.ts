/**
 * The API process's configuration, read once at startup: the environment, the tokens, the host to
 * bind, and from them the app's options. Configuration problems end the process with exit code 2
 * and one line per problem, before anything connects or listens.
 */
import type { Client } from '@temporalio/client';
import type pino from 'pino';
import { listSetting, loadEnvOrExit, type Env } from '../../config/env';
import { parseGroupSpec } from '../groups';
import { plansDir } from '../plans';
import type { AppOptions } from './app';
import { loadTokenStore, type TokenStore } from './auth';
import { parseByteSize } from './deps';
import { createApiLogger } from './logging';
import { ApiMetrics, type MetricsAppOptions } from './metrics';

/** Hosts that only this machine can reach. */
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Exits with a message on stderr: 2 for configuration problems, 1 for runtime failures. */
export function die(code: number, message: string): never {
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

/** What the API process runs with, once {@link loadServerConfig} has checked it. */
export interface ServerConfig {
  env: Env;
  logger: pino.Logger;
  tokens: TokenStore;
  /** The host to bind (from {@link bindHost}). */
  host: string;
}

/** The tokens, with the body limit checked too; exits 2 when either is invalid. */
function loadTokensOrExit(env: Env): TokenStore {
  try {
    const tokens = loadTokenStore(env);
    parseByteSize(env.PHASEGATE_MAX_BODY);
    return tokens;
  } catch (err) {
    die(2, `Invalid configuration:\n  ${(err as Error).message}`);
  }
}

/** A banner on stderr that cannot be missed: without tokens anyone on this machine may act. */
function warnAuthOff(host: string, port: number): void {
  const line = '!'.repeat(78);
  console.warn(
    `${line}\n!! AUTH IS OFF: no PHASEGATE_TOKENS configured. Anyone who can reach ${host}:${port} can\n!! start, cancel and approve runs. Listening on loopback only.\n${line}`,
  );
}

/**
 * Reads and checks the environment (exits 2 with its problems), the tokens and body limit (exit
 * 2), and the host (exit 2 for a non-loopback host without tokens); warns when auth is off.
 */
export function loadServerConfig(): ServerConfig {
  const env = loadEnvOrExit();
  const logger = createApiLogger(env.LOG_LEVEL);
  const tokens = loadTokensOrExit(env);
  const bind = bindHost(env, tokens);
  if ('refuse' in bind) die(2, bind.refuse);
  if (tokens.size === 0) warnAuthOff(bind.host, env.PORT);
  return { env, logger, tokens, host: bind.host };
}

/** The app's options from the configuration, for `client` (process metrics on). */
export function appOptions({ env, logger, tokens }: ServerConfig, client: Client): AppOptions & MetricsAppOptions {
  return {
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
  };
}
