/**
 * Environment configuration shared by the worker, the API, the CLI and the scripts.
 * Every variable is validated once at boot; a bad value stops the process with one line per problem.
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** The variables Phasegate reads, with their defaults. */
export const EnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233').describe('Temporal frontend host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('phasegate'),
  TEMPORAL_UI_URL: z.url().default('http://localhost:8233').describe('Base URL of the Temporal Web UI, for run links'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PHASEGATE_TOKENS: z.string().optional().describe('token map: "token=identity:role1,role2;..." or JSON'),
  PHASEGATE_TOKENS_FILE: z.string().optional(),
  PHASEGATE_WEBHOOK_URL: z.url().optional().describe('escalation/outcome events are POSTed here'),
  PHASEGATE_PLANS_DIR: z.string().optional(),
  PHASEGATE_WORKDIR: z.string().optional().describe('base folder for shell tasks\' cwd (default: the worker\'s cwd)'),
  PHASEGATE_MAX_BODY: z.string().default('1mb'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

/** Parsed configuration. */
export type Env = z.infer<typeof EnvSchema>;

/**
 * Parses `source` (default `process.env`). Throws an Error listing each bad variable on its own line.
 * Empty strings count as unset, so `FOO= npm start` falls back to the default.
 */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
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
