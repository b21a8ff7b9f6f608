/**
 * What the worker refuses to run, whatever a plan says (SPEC §8). The plan validator refuses most
 * of this already; the worker checks again because a run may be started by anything that reaches
 * Temporal, not only by the API:
 * - executor kinds outside `PHASEGATE_EXECUTORS` (`ExecutorDisabled`, non-retryable);
 * - a shell `cwd` whose real path leaves `PHASEGATE_WORKDIR` (`ShellSpawnError`, non-retryable);
 * - loader and shell start-up variables in a shell `env` (`ShellSpawnError`, non-retryable);
 * - `${NAME}` references to variables not listed in `PHASEGATE_SECRETS` (nor `PHASEGATE_SECRET_*`).
 * Messages name the plan's own values (a `cwd` as written), never an absolute path of the host.
 * Settings are read from the worker's environment at each call, so a test can change them.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { listSetting } from '../config/env';
import { isRefusedEnvName, refusedEnvMessage } from '../workflows/plan/env-policy';
import type { TaskFailureDetails } from './types';

/** Executor kinds a worker runs when `PHASEGATE_EXECUTORS` is unset. */
export const ALL_EXECUTORS = ['shell', 'http', 'agent', 'simulate'] as const;

/** Prefix of worker variables that `${NAME}` may always expand. */
export const SECRET_PREFIX = 'PHASEGATE_SECRET_';

/** Worker variables never passed to a shell task: the worker's own credentials. */
const WORKER_CREDENTIALS = [
  'PHASEGATE_SIGNING_KEY',
  'PHASEGATE_TOKENS',
  'PHASEGATE_TOKENS_FILE',
  'PHASEGATE_METRICS_TOKEN',
  'TEMPORAL_API_KEY',
];

/** Throws a non-retryable `ExecutorDisabled` failure unless `kind` is in `PHASEGATE_EXECUTORS`. */
export function requireExecutorEnabled(kind: string): void {
  const enabled = listSetting(process.env.PHASEGATE_EXECUTORS);
  if (enabled.length === 0 || enabled.includes(kind)) return;
  throw ApplicationFailure.nonRetryable(
    `executor kind "${kind}" is disabled on this worker (PHASEGATE_EXECUTORS=${enabled.join(',')}): the task was not run`,
    'ExecutorDisabled',
    {} satisfies TaskFailureDetails,
  );
}

/**
 * The working directory of a shell task: `cwd` (default `.`) under `PHASEGATE_WORKDIR` (default the
 * worker's cwd), by real path, so neither `..`, an absolute path nor a symbolic link can leave it.
 * Throws a non-retryable `ShellSpawnError` naming the plan's `cwd` when it leaves the folder or is
 * not a directory in it.
 */
export function confinedCwd(cwd: string | undefined): string {
  const given = cwd ?? '.';
  const base = realpathSync(process.env.PHASEGATE_WORKDIR ?? process.cwd());
  const outside = () =>
    ApplicationFailure.nonRetryable(
      `cwd "${given}" is outside the worker's work folder (PHASEGATE_WORKDIR): refused`,
      'ShellSpawnError',
      {} satisfies TaskFailureDetails,
    );
  // Lexically first: a path outside is refused without looking at it, so errors say nothing about the host.
  if (!inside(base, resolve(base, given))) throw outside();
  let real: string;
  try {
    real = realpathSync(resolve(base, given));
  } catch {
    throw ApplicationFailure.nonRetryable(
      `working directory "${given}" does not exist in the worker's work folder`,
      'ShellSpawnError',
      {} satisfies TaskFailureDetails,
    );
  }
  if (!inside(base, real)) throw outside();
  return real;
}

function inside(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The environment of a shell task: the worker's (without its own credentials), the task's `env`
 * over it. Throws a non-retryable `ShellSpawnError` when the task's `env` sets a loader or shell
 * start-up variable.
 */
export function shellEnvironment(
  taskEnv: Readonly<Record<string, string>> | undefined,
  extra: Readonly<Record<string, string>>,
): NodeJS.ProcessEnv {
  for (const name of Object.keys(taskEnv ?? {})) {
    if (isRefusedEnvName(name))
      throw ApplicationFailure.nonRetryable(
        `env: ${refusedEnvMessage(name)}`,
        'ShellSpawnError',
        {} satisfies TaskFailureDetails,
      );
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of WORKER_CREDENTIALS) delete env[name];
  return { ...env, ...taskEnv, ...extra };
}

/** True when `${name}` may be expanded: listed in `PHASEGATE_SECRETS` or prefixed `PHASEGATE_SECRET_`. */
export function secretAllowed(name: string): boolean {
  return name.startsWith(SECRET_PREFIX) || listSetting(process.env.PHASEGATE_SECRETS).includes(name);
}

/** `text` with every URL in it cut to origin and path: no credentials, query string or fragment. */
export function redactUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => {
    try {
      const u = new URL(url);
      return `${u.protocol}//${u.host}${u.pathname}`;
    } catch {
      return '<url>';
    }
  });
}
