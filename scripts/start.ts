/**
 * `npm start`: Temporal dev server (SQLite under `.data/`, Web UI), the worker and the API, with
 * their output prefixed `[temporal]`, `[worker]`, `[api]`. Ctrl-C (or SIGTERM) stops them in
 * reverse order of need: API, worker, then the server. Runs survive a restart: they live in
 * `.data/temporal.db`, and an unfinished run continues once the worker is back.
 *
 * Options (after `npm start --`): `--no-api`, `--no-worker` to run one of them elsewhere, e.g. in
 * a debugger.
 *
 * Which Temporal:
 *  - `TEMPORAL_ADDRESS` set: that server is used and none is started (its search attributes are
 *    the operator's business; the compose stack registers them).
 *  - otherwise a dev server on 127.0.0.1:7233. If that port already answers as a healthy Temporal
 *    (say a `temporal server start-dev` you run yourself), it is used as it is, our search
 *    attributes are registered on it, and it is left running on exit: it is not ours to stop.
 *    If the port is taken by anything else, we exit with a message instead of guessing.
 *
 * Children are spawned `detached` (their own process groups) for two reasons: a terminal's Ctrl-C
 * reaches only us, so we decide the stop order; and we can signal each child's whole group,
 * so nothing it spawned outlives it. A worker or API that crashes is restarted with back-off and
 * a line saying why; the dev server's own exit stops everything (see `supervise.ts`). POSIX only.
 */
import { DEV_SERVER_ARGS } from '../config/server-settings';
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { loadEnvOrExit, type Env } from '../config/env';
import { ALL_SEARCH_ATTRIBUTES, CLI_SEARCH_ATTRIBUTE_TYPE } from '../workflows/search-attributes';
import { ensureSearchAttributes } from './search-attributes';
import { signalGroup, startSupervised, stopChild, type Child, type SuperviseHooks } from './supervise';
import { ensureTemporalCli, PROJECT_ROOT } from './temporal-cli';

const DEV_HOST = '127.0.0.1';
// Other ports and folder by environment (tests run a second stack beside a developer's).
const DEV_PORT = Number(process.env.PHASEGATE_DEV_PORT || 7233);
const DEV_UI_PORT = Number(process.env.PHASEGATE_DEV_UI_PORT || 8233);
const DATA_DIR = process.env.PHASEGATE_DATA_DIR || join(PROJECT_ROOT, '.data');
/** A cold start of the dev server (schema creation on a new SQLite file) takes a few seconds. */
const READY_TIMEOUT_MS = 60_000;
/** How long a child gets after SIGTERM before its process group is killed. */
const GRACE_MS = 10_000;
/** A repeated Ctrl-C this soon after the first is the same keypress relayed by npm/tsx, not a second one. */
const REPEAT_SIGNAL_MS = 1_500;

const WORKER_ENTRY = 'workers/main.ts';
const API_ENTRY = 'client/api/server.ts';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const PREFIX_COLOR: Record<string, number> = { start: 1, temporal: 35, worker: 36, api: 32 };
const tag = (name: string) => paint(PREFIX_COLOR[name] ?? 0, `[${name}]`);
const log = (msg: string) => console.log(`${tag('start')} ${msg}`);
const logError = (msg: string) => console.error(`${tag('start')} ${msg}`);

/** Children in start order; stopped in reverse. */
const children: Child[] = [];
let stopping = false;
let firstSignalAt = 0;

/** `--no-api` / `--no-worker`; anything else is an error, so a typo does not silently start everything. */
function parseArgs(argv: readonly string[]): { api: boolean; worker: boolean } {
  const opts = { api: true, worker: true };
  for (const arg of argv) {
    if (arg === '--no-api') opts.api = false;
    else if (arg === '--no-worker') opts.worker = false;
    else throw new Error(`unknown option ${arg} (options: --no-api, --no-worker)`);
  }
  return opts;
}

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
function tcpOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Splits `host:port` (also `[::1]:7233`); the port defaults to 7233 as in Temporal's clients. */
function splitAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address);
  return { host: m?.[1] ?? address, port: Number(m?.[2] ?? DEV_PORT) };
}

/** One health probe through the CLI; `SERVING` means the frontend accepts requests. */
async function temporalHealthy(cli: string, address: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync(
      cli,
      ['operator', 'cluster', 'health', '--address', address, '--command-timeout', '3s'],
      { timeout: 5_000 },
    );
    return stdout.includes('SERVING');
  } catch {
    return false;
  }
}

/** Copies a stream to ours line by line, each line prefixed with the child's tag (once: the worker tags its own lines). */
function pipeLines(stream: NodeJS.ReadableStream, name: string, out: NodeJS.WritableStream): void {
  const own = `[${name}] `;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => out.write(`${tag(name)} ${line.startsWith(own) ? line.slice(own.length) : line}\n`));
}

/** Starts a child in its own process group: the worker and the API are restarted when they crash. */
function startChild(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  supervised: boolean,
  whenItExits?: string,
): Child {
  const pipe = (proc: ChildProcess) => {
    if (proc.stdout) pipeLines(proc.stdout, name, process.stdout);
    if (proc.stderr) pipeLines(proc.stderr, name, process.stderr);
  };
  const child = startSupervised(
    { name, command, args, env, cwd: PROJECT_ROOT, supervised, pipe, ...(whenItExits ? { whenItExits } : {}) },
    hooks,
  );
  children.push(child);
  return child;
}

const hooks: SuperviseHooks = {
  log,
  logError,
  stopping: () => stopping,
  shutdown: (code, reason) => void shutdown(code, reason),
};

/** Stops every child, newest first (API, worker, server), then exits with `code`. */
async function shutdown(code: number, reason: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    (code === 0 ? log : logError)(reason);
    for (const child of [...children].reverse()) await stopChild(child, GRACE_MS, log);
    log(code === 0 ? 'stopped' : `stopped (exit ${code})`);
    process.exit(code);
  }
  return new Promise<never>(() => {});
}

function onSignal(signal: NodeJS.Signals): void {
  const now = Date.now();
  if (!stopping) {
    firstSignalAt = now;
    void shutdown(0, `${signal}: shutting down (press Ctrl-C again to force)`);
  } else if (now - firstSignalAt > REPEAT_SIGNAL_MS) {
    logError('forced: killing everything now');
    for (const child of children) signalGroup(child, 'SIGKILL');
    process.exit(130);
  }
}

/** Registers our search attributes on a namespace we did not create; a failure is reported, not fatal. */
async function registerSearchAttributes(cli: string, address: string, namespace: string): Promise<void> {
  try {
    await ensureSearchAttributes(cli, address, namespace, log);
  } catch (err) {
    logError(
      `could not register Phasegate's search attributes on ${namespace}: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim()}`,
    );
  }
}

/** Starts the dev server and waits until its frontend is healthy. Returns its address. */
async function startDevServer(cli: string, env: Env): Promise<string> {
  const address = `${DEV_HOST}:${DEV_PORT}`;
  if (await tcpOpen(DEV_HOST, DEV_PORT)) {
    if (await temporalHealthy(cli, address)) {
      log(
        `a Temporal server is already running on ${address} (started elsewhere): using it; it keeps running after Ctrl-C`,
      );
      await registerSearchAttributes(cli, address, env.TEMPORAL_NAMESPACE);
      return address;
    }
    throw new Error(
      `port ${DEV_PORT} is in use by something that is not a healthy Temporal server. Stop it, or set TEMPORAL_ADDRESS to a Temporal server to use.`,
    );
  }
  if (await tcpOpen(DEV_HOST, DEV_UI_PORT))
    throw new Error(`port ${DEV_UI_PORT} (Temporal UI) is in use; stop whatever listens there.`);

  mkdirSync(DATA_DIR, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    join(DATA_DIR, 'temporal.db'),
    '--namespace',
    env.TEMPORAL_NAMESPACE,
    '--port',
    String(DEV_PORT),
    '--ui-port',
    String(DEV_UI_PORT),
    '--ip',
    DEV_HOST,
    '--log-level',
    'warn',
    ...DEV_SERVER_ARGS, // eager activities: a step starts in its workflow task's round trip
    ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${CLI_SEARCH_ATTRIBUTE_TYPE[key.type] as string}`,
    ]),
  ];
  log(
    `starting the Temporal dev server (data in ${join(DATA_DIR === join(PROJECT_ROOT, '.data') ? '.data' : DATA_DIR, 'temporal.db')}) ...`,
  );
  const server = startChild(
    'temporal',
    cli,
    args,
    process.env,
    false,
    `without the Temporal server nothing can run, so the worker and the API stop too. Runs are kept in ${join(DATA_DIR, 'temporal.db')}: \`npm start\` again continues them`,
  );

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await temporalHealthy(cli, address))) {
    if (stopping) return new Promise<never>(() => {});
    if (!server.running)
      throw new Error(
        `the Temporal server exited before it was ready (${await server.exited}); see its [temporal] output above`,
      );
    if (Date.now() > deadline)
      throw new Error(`the Temporal server did not become healthy on ${address} within ${READY_TIMEOUT_MS / 1000}s`);
    await sleep(500);
  }
  // start-dev registers --search-attribute on "default" only; a custom namespace needs them too.
  if (env.TEMPORAL_NAMESPACE !== 'default') await registerSearchAttributes(cli, address, env.TEMPORAL_NAMESPACE);
  log(`Temporal is ready on ${address}`);
  return address;
}

/** Waits for a user-given Temporal to accept connections, so a typo fails here and not in two children. */
async function checkExternalTemporal(address: string): Promise<void> {
  const { host, port } = splitAddress(address);
  for (let i = 0; i < 15; i++) {
    if (await tcpOpen(host, port, 2_000)) return;
    if (stopping) return;
    await sleep(1_000);
  }
  throw new Error(`cannot reach TEMPORAL_ADDRESS=${address} (no TCP connection for 15s)`);
}

function printBanner(env: Env, address: string, opts: { api: boolean }): void {
  const apiHost = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const apiUrl = `http://${apiHost.includes(':') ? `[${apiHost}]` : apiHost}:${env.PORT}`;
  const auth = env.PHASEGATE_TOKENS || env.PHASEGATE_TOKENS_FILE ? " -H 'authorization: Bearer <your token>'" : '';
  const lines = [
    '',
    paint(1, 'Phasegate is starting'),
    `  API          ${opts.api ? apiUrl : '(not started: --no-api)'}`,
    ...(opts.api ? [`  Approvals    ${apiUrl}/  (runs awaiting a decision, run pages)`] : []),
    `  Temporal UI  ${env.TEMPORAL_UI_URL}`,
    `  Temporal     ${address} (namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.TEMPORAL_TASK_QUEUE})`,
    '  Try it:',
    `    curl -X POST ${apiUrl}/api/runs -H 'content-type: application/json'${auth} -d '{"plan":"demo-hello"}'`,
    `    curl ${apiUrl}/api/runs/<runId>${auth}`,
    '  Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Last resort if we die by an error: do not leave detached children behind.
  process.on('exit', () => children.forEach((c) => signalGroup(c, 'SIGKILL')));

  const opts = parseArgs(process.argv.slice(2));
  const env = loadEnvOrExit();
  if (opts.api && !existsSync(join(PROJECT_ROOT, API_ENTRY))) {
    throw new Error(
      `${API_ENTRY} is missing, so the API cannot start. Run \`npm start -- --no-api\` to start Temporal and the worker only.`,
    );
  }
  if (opts.api && (await tcpOpen(env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST, env.PORT))) {
    throw new Error(`port ${env.PORT} (API) is in use; stop whatever listens there or set PORT`);
  }

  let address: string;
  const external = process.env.TEMPORAL_ADDRESS;
  if (external) {
    log(`TEMPORAL_ADDRESS=${external}: using that server, not starting one`);
    await checkExternalTemporal(external);
    address = external;
  } else {
    const cli = ensureTemporalCli(log);
    address = await startDevServer(cli, env);
  }
  if (stopping) return;

  const childEnv = { ...process.env, TEMPORAL_ADDRESS: address };
  if (opts.worker) startChild('worker', process.execPath, ['--import', 'tsx', WORKER_ENTRY], childEnv, true);
  if (opts.api) startChild('api', process.execPath, ['--import', 'tsx', API_ENTRY], childEnv, true);
  printBanner(env, address, opts);
}

main().catch((err: unknown) => {
  void shutdown(1, err instanceof Error ? err.message : String(err));
});
