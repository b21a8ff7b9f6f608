/**
 * `npm run cluster:up`: a real Temporal server on PostgreSQL on this machine, all on loopback:
 *
 *  1. tools: the pinned Temporal CLI, and `go install` of Temporal Server 1.29.1, its SQL schema
 *     tool and the UI server 2.42.1 (the versions the dev server embeds) into the cache folder;
 *  2. PostgreSQL: Debian's package if missing, a private data folder under `.data/cluster/pg`;
 *  3. schemas: create and migrate `temporal` and `temporal_visibility`;
 *  4. the server (frontend, history, matching, worker in one process) from a generated config;
 *  5. the `default` namespace and Phasegate's search attributes;
 *  6. the Temporal UI.
 *
 * Everything runs detached with pid files under `.data/cluster/`, so this script exits once the
 * cluster is ready; `npm run cluster:down` stops it. Running it again with the cluster up only
 * checks and reports. Options: `--no-ui` skips the UI (build and start).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureTemporalCli } from '../temporal-cli';
import {
  clusterSettings,
  dynamicConfigYaml,
  frontendAddress,
  serverConfigYaml,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
  uiConfigYaml,
  type ClusterSettings,
} from './config';
import { daemonPid, startDaemon } from './daemons';
import { log, secondsSince, step, timings } from './log';
import { ensureNamespace, ensureSearchAttributes, waitForHealth } from './namespace';
import { ensurePostgresInstalled, initDataDir, startPostgres } from './postgres';
import { setupSchemas } from './schema';
import { ensureClusterTools, schemaSources } from './tools';
import { serverDaemon, uiDaemon } from './processes';

/** A cold server start creates its shards and system namespaces: allow for a slow machine. */
const SERVER_READY_TIMEOUT_MS = 120_000;
const UI_READY_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The end of a log file, to show why a daemon died. */
function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Fails with a clear message when a port we are about to listen on is taken by something else. */
async function requireFree(s: ClusterSettings, port: number, what: string): Promise<void> {
  if (await tcpOpen(s.host, port))
    throw new Error(
      `port ${port} (${what}) on ${s.host} is in use by another program; stop it or move the cluster's ports (see docs/cluster.md)`,
    );
}

function writeConfigs(s: ClusterSettings): void {
  mkdirSync(s.serverConfigDir, { recursive: true });
  mkdirSync(s.uiConfigDir, { recursive: true });
  writeFileSync(join(s.serverConfigDir, 'development.yaml'), serverConfigYaml(s));
  writeFileSync(s.dynamicConfigFile, dynamicConfigYaml());
  writeFileSync(join(s.uiConfigDir, 'development.yaml'), uiConfigYaml(s));
}

async function startServer(bin: string, cli: string, s: ClusterSettings): Promise<void> {
  const spec = serverDaemon(s, bin);
  if (!daemonPid(spec)) {
    for (const [port, what] of [
      [s.frontendPort, 'frontend gRPC'],
      [s.httpPort, 'frontend HTTP'],
      [s.historyPort, 'history'],
      [s.matchingPort, 'matching'],
      [s.workerPort, 'worker'],
    ] as const) {
      await requireFree(s, port, `Temporal ${what}`);
      await requireFree(s, port - 1000, `Temporal ${what} membership`);
    }
    startDaemon(spec, log);
  } else {
    log(`Temporal server already running (pid ${daemonPid(spec)})`);
  }
  await waitForHealth(cli, frontendAddress(s), SERVER_READY_TIMEOUT_MS, () => {
    if (!daemonPid(spec))
      throw new Error(
        `the Temporal server exited during startup; last lines of ${spec.logFile}:\n${tail(spec.logFile)}`,
      );
  });
}

async function startUi(bin: string, s: ClusterSettings): Promise<void> {
  const spec = uiDaemon(s, bin);
  if (!daemonPid(spec)) {
    await requireFree(s, s.uiPort, 'Temporal UI');
    startDaemon(spec, log);
  }
  const deadline = Date.now() + UI_READY_TIMEOUT_MS;
  const url = `http://${s.host}:${s.uiPort}/`;
  while (
    !(await fetch(url)
      .then((r) => r.ok)
      .catch(() => false))
  ) {
    if (!daemonPid(spec))
      throw new Error(`the Temporal UI exited during startup; last lines of ${spec.logFile}:\n${tail(spec.logFile)}`);
    if (Date.now() > deadline)
      throw new Error(`the Temporal UI did not answer on ${url} within ${UI_READY_TIMEOUT_MS / 1000}s`);
    await sleep(300);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  for (const a of args) if (a !== '--no-ui') throw new Error(`unknown option ${a} (options: --no-ui)`);
  const wantUi = !args.includes('--no-ui');
  const s = clusterSettings();
  const started = Date.now();

  const cli = await step('Temporal CLI', () => ensureTemporalCli(log));
  const tools = await step('Go tools (server, SQL tool, UI)', () => ensureClusterTools(log, { ui: wantUi }));
  const pgBin = await step('PostgreSQL', () => {
    const bin = ensurePostgresInstalled(log);
    initDataDir(bin, s, log);
    startPostgres(bin, s, log);
    return bin;
  });
  await step('schemas', () => setupSchemas(tools.sqlTool, pgBin, s, schemaSources(log), log));
  writeConfigs(s);
  await step('Temporal server', () => startServer(tools.server, cli, s));
  await step(`namespace ${s.namespace} and search attributes`, async () => {
    await ensureNamespace(cli, frontendAddress(s), s.namespace, log);
    await ensureSearchAttributes(cli, frontendAddress(s), s.namespace, log);
  });
  if (tools.ui) await step('Temporal UI', () => startUi(tools.ui as string, s));

  log(`ready in ${secondsSince(started)} (${timings.map((t) => `${t.step} ${t.seconds.toFixed(1)}s`).join(', ')})`);
  log(
    `  Temporal frontend  ${frontendAddress(s)}   Server ${TEMPORAL_SERVER_VERSION} (export TEMPORAL_ADDRESS=${frontendAddress(s)})`,
  );
  log(
    `  Temporal UI        ${tools.ui ? `http://${s.host}:${s.uiPort}   UI ${TEMPORAL_UI_VERSION}` : `not running (${wantUi ? 'build failed, see above' : '--no-ui'})`}`,
  );
  log(`  PostgreSQL         ${s.host}:${s.pgPort} user ${s.dbUser}, databases temporal + temporal_visibility`);
  log(`  data, logs, pids   ${s.dataDir}`);
  log(
    `  internal ports     history ${s.historyPort}, matching ${s.matchingPort}, worker ${s.workerPort}, frontend HTTP ${s.httpPort} (membership: each - 1000)`,
  );
  log('stop with: npm run cluster:down');
}

main().catch((err: unknown) => {
  log(`cluster:up failed: ${(err as Error).message}`);
  log('whatever started keeps running; npm run cluster:down stops it');
  process.exit(1);
});
