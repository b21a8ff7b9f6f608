/**
 * Environment configuration shared by the worker, the API, the CLI and the scripts.
 * Every variable is validated once at boot; a bad value stops the process with one line per bad
 * variable, naming it. Besides each value's own shape, the Temporal connection settings are checked
 * together (a client certificate needs its key, named files must exist, TLS settings contradict
 * `TEMPORAL_TLS=false`), so a remote Temporal misconfiguration fails at boot with a clear message
 * rather than as a TLS handshake error on the first call. `docs/configuration.md` documents every
 * variable in one table, generated from `config/env-docs.ts` and checked by a unit test.
 */
import { statSync } from 'node:fs';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** `host:port` (IPv6 hosts in brackets); a missing port is the usual mistake with a remote Temporal. */
const hostPort = (example: string) =>
  z
    .string()
    .regex(/^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):([0-9]{1,5})$/, `expected host:port, e.g. ${example}`)
    .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535');

/** Comma-separated host names (no ports), lowercased. */
const hostList = z
  .string()
  .regex(
    /^\s*[A-Za-z0-9.-]+(\s*,\s*[A-Za-z0-9.-]+)*\s*$/,
    'expected host names separated by commas, e.g. phasegate.internal,10.0.0.5',
  );
/** Comma-separated environment variable names. */
const nameList = z
  .string()
  .regex(
    /^\s*[A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*\s*$/,
    'expected variable names separated by commas, e.g. DEPLOY_TOKEN,CI_TOKEN',
  );
/** Comma-separated executor kinds. */
const executorList = z
  .string()
  .regex(
    /^\s*(shell|http|agent|simulate)(\s*,\s*(shell|http|agent|simulate))*\s*$/,
    'expected executor kinds separated by commas, among shell, http, agent, simulate',
  );
/** `<requests>/<window>` such as `600/1m`, or `off`. */
const rateLimit = z
  .string()
  .regex(
    /^(off|[1-9][0-9]{0,6}\/[1-9][0-9]*(ms|s|m|h))$/,
    'expected <requests>/<window>, e.g. 600/1m or 50/10s, or off',
  );

/** Splits a comma-separated setting into its trimmed, non-empty items. */
export function listSetting(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * Splits a `key=value;key=value` setting (tokens, groups) into its trimmed, non-empty entries,
 * each with `where` (`<source>: entry #n`) for error messages that name an entry by position
 * and never echo it.
 */
export function specEntries(spec: string, source: string): { entry: string; where: string }[] {
  return spec
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((entry, i) => ({ entry, where: `${source}: entry #${i + 1}` }));
}

/** The variables Phasegate reads, with their defaults. Meanings and readers: `config/env-docs.ts`. */
export const EnvSchema = z.object({
  TEMPORAL_ADDRESS: hostPort('my-namespace.a1b2c.tmprl.cloud:7233')
    .default('127.0.0.1:7233')
    .describe('Temporal frontend host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('phasegate'),
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233').describe('Base URL of the Temporal Web UI, for run links'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z
    .string()
    .min(1)
    .optional()
    .describe('TLS server name (SNI) to verify instead of the address host'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PHASEGATE_TOKENS: z.string().optional().describe('token map: "token=identity:role1,role2;..." or JSON'),
  PHASEGATE_TOKENS_FILE: z.string().optional(),
  PHASEGATE_GROUPS: z
    .string()
    .regex(
      /^\s*([a-z0-9][a-z0-9_-]*\s*=[^;=]*)?(\s*;\s*([a-z0-9][a-z0-9_-]*\s*=[^;=]*)?)*\s*$/,
      'expected group=member1,member2;group2=member3 (group names in lowercase letters, digits, - and _)',
    )
    .optional()
    .describe('approver groups: "release=alice,bob;qa=carol"'),
  PHASEGATE_METRICS_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe("bearer token that may read the API's /metrics (and nothing else)"),
  PHASEGATE_WEBHOOK_URL: z.url().optional().describe('escalation/outcome events are POSTed here'),
  PHASEGATE_PUBLIC_URL: z
    .url()
    .default('http://127.0.0.1:3000')
    .describe('where people reach the API: links in notifications'),
  PHASEGATE_LINK_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe('HMAC key of approval links'),
  PHASEGATE_PLANS_DIR: z.string().optional(),
  PHASEGATE_WORKDIR: z.string().optional().describe("base folder for shell tasks' cwd (default: the worker's cwd)"),
  PHASEGATE_MAX_BODY: z.string().default('1mb'),
  PHASEGATE_WORKER_METRICS: hostPort('127.0.0.1:9464')
    .optional()
    .describe('host:port where the worker serves Prometheus metrics'),
  PHASEGATE_WORKER_CACHED_RUNS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(1000)
    .describe('runs a worker keeps in memory between their workflow tasks'),
  PHASEGATE_OTEL: bool.default(false).describe('OpenTelemetry tracing through the Temporal interceptors'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. http://localhost:4318' })
    .optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  PHASEGATE_ALLOWED_HOSTS: hostList.optional().describe('extra Host names the API answers besides loopback ones'),
  PHASEGATE_INLINE_PLANS: z
    .enum(['off', 'operators', 'authors'])
    .default('authors')
    .describe('who may start a plan that is not bundled'),
  PHASEGATE_EXECUTORS: executorList.default('shell,http,agent,simulate').describe('executor kinds the worker runs'),
  PHASEGATE_SECRETS: nameList.optional().describe('environment variables that ${NAME} may expand'),
  PHASEGATE_SIGNING_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('HMAC key of signed Signal decisions'),
  PHASEGATE_RATE_LIMIT: rateLimit
    .default('1200/10s')
    .describe('requests per token (or client address) and window, or off'),
});

/** Parsed configuration. */
export type Env = z.infer<typeof EnvSchema>;

/** A variable's name, as the schema lists them. */
export type EnvName = keyof typeof EnvSchema.shape;

/** One problem with one variable. */
export interface EnvProblem {
  variable: string;
  message: string;
}

const FILE_VARIABLES = ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CA_PATH'] as const;

/** Why `path` cannot be used as an input file, or undefined when it can. */
function fileProblem(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? undefined : `${path} is not a file`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path} (${code ?? (err as Error).message})`;
  }
}

/**
 * Checks that need more than one variable, or the file system, on the cleaned raw values (so they
 * are reported even when other variables are invalid).
 */
export function crossFieldProblems(raw: Readonly<Record<string, string>>): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const cert = raw.TEMPORAL_TLS_CERT_PATH;
  const key = raw.TEMPORAL_TLS_KEY_PATH;
  if (cert && !key)
    problems.push({
      variable: 'TEMPORAL_TLS_KEY_PATH',
      message: 'required when TEMPORAL_TLS_CERT_PATH is set: a client certificate needs its private key',
    });
  if (key && !cert)
    problems.push({
      variable: 'TEMPORAL_TLS_CERT_PATH',
      message: 'required when TEMPORAL_TLS_KEY_PATH is set: a private key needs its client certificate',
    });
  for (const name of FILE_VARIABLES) {
    const path = raw[name];
    const problem = path ? fileProblem(path) : undefined;
    if (problem) problems.push({ variable: name, message: problem });
  }
  // TLS settings with TLS explicitly off: one of the two is a mistake, and guessing could send an
  // API key in clear text, so refuse.
  const tlsOff = raw.TEMPORAL_TLS !== undefined && ['false', '0', 'no'].includes(raw.TEMPORAL_TLS);
  const needsTls = ['TEMPORAL_API_KEY', ...FILE_VARIABLES, 'TEMPORAL_TLS_SERVER_NAME'].filter((n) => raw[n]);
  if (tlsOff && needsTls.length > 0) {
    problems.push({
      variable: 'TEMPORAL_TLS',
      message: `is ${raw.TEMPORAL_TLS}, but ${needsTls.join(', ')} need${needsTls.length === 1 ? 's' : ''} TLS: unset TEMPORAL_TLS or remove them`,
    });
  }
  return problems;
}

/** Keeps the first problem of each variable, in the order found: one clear line per bad variable. */
function onePerVariable(problems: readonly EnvProblem[]): EnvProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.variable) && seen.add(p.variable));
}

/**
 * Parses `source` (default `process.env`). Throws an Error listing each bad variable on its own line.
 * Empty strings count as unset, so `FOO= npm start` falls back to the default.
 */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  const result = EnvSchema.safeParse(cleaned);
  const problems = onePerVariable([
    ...(result.success ? [] : result.error.issues.map((i) => ({ variable: i.path.join('.'), message: i.message }))),
    ...crossFieldProblems(cleaned),
  ]);
  if (result.success && problems.length === 0) return result.data;
  throw new Error(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
}

/** Parses the environment or exits the process with the problems listed (for entry points). */
export function loadEnvOrExit(source: NodeJS.ProcessEnv = process.env): Env {
  try {
    return parseEnv(source);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
