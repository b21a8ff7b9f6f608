/**
 * Settings of the local PostgreSQL-backed Temporal cluster (`npm run cluster:up`): pinned versions,
 * folders, loopback ports, and the config files it writes. Pure: reads the environment it is given
 * and returns text; the other scripts in this folder do the I/O.
 *
 * Ports are chosen next to, not on, the dev server's (7233 gRPC, 8233 UI) so both can run at once.
 * Every one can be moved by environment variable; the services Temporal keeps internal (history,
 * matching, worker and their membership ports) follow the frontend port so one variable moves all.
 */
import { EAGER_ACTIVITIES_FLAG } from '../../config/server-settings';
import { dirname, join } from 'node:path';
import { cacheDir, PROJECT_ROOT, TOOLS_DIR } from '../temporal-cli';

/** Temporal Server version embedded in the pinned dev server (CLI 1.5.1); the cluster runs the same. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** Temporal UI version embedded in the pinned dev server; the standalone UI server is pinned to it. */
export const TEMPORAL_UI_VERSION = '2.42.1';

/** Go packages built with `go install <pkg>@<version>`; `binary` is the name `go install` gives it. */
export const GO_TOOLS = {
  server: {
    pkg: 'go.temporal.io/server/cmd/server',
    version: `v${TEMPORAL_SERVER_VERSION}`,
    binary: 'server',
    link: 'temporal-server',
  },
  sqlTool: {
    pkg: 'go.temporal.io/server/cmd/tools/sql',
    version: `v${TEMPORAL_SERVER_VERSION}`,
    binary: 'sql',
    link: 'temporal-sql-tool',
  },
  ui: {
    pkg: 'github.com/temporalio/ui-server/v2/cmd/server',
    version: `v${TEMPORAL_UI_VERSION}`,
    binary: 'server',
    link: 'temporal-ui-server',
  },
} as const;

/** One of {@link GO_TOOLS}. */
export type GoTool = (typeof GO_TOOLS)[keyof typeof GO_TOOLS];

/**
 * Cache folder for a Go tool, next to the CLI's (`~/.cache/phasegate/temporal-server-1.29.1`), keyed
 * by version so a version bump rebuilds and clean clones reuse the build. Server and SQL tool share
 * one folder; the UI gets its own because its binary is also called `server`.
 */
export function toolCacheDir(tool: GoTool): string {
  const base = dirname(cacheDir());
  return tool === GO_TOOLS.ui
    ? join(base, `temporal-ui-server-${TEMPORAL_UI_VERSION}`)
    : join(base, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

/** Where `.tools/` links a Go tool (the git-ignored tools folder the CLI link lives in too). */
export function toolLink(tool: GoTool): string {
  return join(TOOLS_DIR, tool.link);
}

/** Loopback ports and folders of one cluster. */
export interface ClusterSettings {
  host: string;
  pgPort: number;
  frontendPort: number;
  /** Frontend HTTP API (the server enables it by default; kept off the gRPC port). */
  httpPort: number;
  historyPort: number;
  matchingPort: number;
  workerPort: number;
  uiPort: number;
  /** `.data/cluster` unless `PHASEGATE_CLUSTER_DIR` says otherwise. */
  dataDir: string;
  pgDataDir: string;
  logDir: string;
  /** Server config folder: `--config` of the server (it reads `development.yaml` there). */
  serverConfigDir: string;
  uiConfigDir: string;
  dynamicConfigFile: string;
  namespace: string;
  /** Postgres superuser created by initdb; trust auth on loopback, so no password. */
  dbUser: string;
  logLevel: string;
  /** Keep PostgreSQL's fsync on (`PHASEGATE_CLUSTER_PG_FSYNC=on`); off by default for speed. */
  pgFsync: boolean;
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  // Internal ports are frontend + 4 and frontend - 1000, so keep room on both sides.
  if (!Number.isInteger(port) || port < 1025 || port > 65_000)
    throw new Error(`${name}=${raw} is not a port between 1025 and 65000`);
  return port;
}

/**
 * Reads the settings from `env`:
 *  - `PHASEGATE_CLUSTER_FRONTEND_PORT` (7243): Temporal gRPC frontend; HTTP API is +1, history +2,
 *    matching +3, worker +4, each service's membership port is its gRPC port - 1000;
 *  - `PHASEGATE_CLUSTER_PG_PORT` (5442): PostgreSQL;
 *  - `PHASEGATE_CLUSTER_UI_PORT` (8243): Temporal UI;
 *  - `PHASEGATE_CLUSTER_DIR` (`.data/cluster`): data, logs, pid files, generated config;
 *  - `PHASEGATE_CLUSTER_LOG_LEVEL` (`warn`): Temporal server log level;
 *  - `PHASEGATE_CLUSTER_PG_FSYNC` (`off`): `on` keeps PostgreSQL's fsync (survives machine crashes).
 */
export function clusterSettings(env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const frontendPort = portFrom(env, 'PHASEGATE_CLUSTER_FRONTEND_PORT', 7243);
  const dataDir = env.PHASEGATE_CLUSTER_DIR || join(PROJECT_ROOT, '.data', 'cluster');
  return {
    host: '127.0.0.1',
    pgPort: portFrom(env, 'PHASEGATE_CLUSTER_PG_PORT', 5442),
    frontendPort,
    httpPort: frontendPort + 1,
    historyPort: frontendPort + 2,
    matchingPort: frontendPort + 3,
    workerPort: frontendPort + 4,
    uiPort: portFrom(env, 'PHASEGATE_CLUSTER_UI_PORT', 8243),
    dataDir,
    pgDataDir: join(dataDir, 'pg'),
    logDir: join(dataDir, 'logs'),
    serverConfigDir: join(dataDir, 'config'),
    uiConfigDir: join(dataDir, 'ui-config'),
    dynamicConfigFile: join(dataDir, 'config', 'dynamicconfig.yaml'),
    namespace: 'default',
    dbUser: 'temporal',
    logLevel: env.PHASEGATE_CLUSTER_LOG_LEVEL || 'warn',
    pgFsync: ['on', 'true', '1', 'yes'].includes(env.PHASEGATE_CLUSTER_PG_FSYNC ?? ''),
  };
}

/** `host:port` of the frontend, what clients and workers connect to. */
export function frontendAddress(s: ClusterSettings): string {
  return `${s.host}:${s.frontendPort}`;
}

/** The two databases: main persistence and visibility (searchable run list). */
export const DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

function datastore(s: ClusterSettings, database: string, maxConns: number): string {
  return [
    `      sql:`,
    `        pluginName: postgres12`,
    `        databaseName: ${database}`,
    `        connectAddr: "${s.host}:${s.pgPort}"`,
    `        connectProtocol: tcp`,
    `        user: ${s.dbUser}`,
    `        password: ""`,
    `        maxConns: ${maxConns}`,
    `        maxIdleConns: ${maxConns}`,
    `        maxConnLifetime: 1h`,
  ].join('\n');
}

function service(s: ClusterSettings, name: string, grpcPort: number, extra = ''): string {
  return [
    `  ${name}:`,
    `    rpc:`,
    `      grpcPort: ${grpcPort}`,
    `      membershipPort: ${grpcPort - 1000}`,
    `      bindOnIP: ${s.host}`,
    ...(extra ? [extra] : []),
  ].join('\n');
}

/**
 * The server's static config (`development.yaml`). No metrics or pprof listeners: nothing scrapes
 * them here and each would be one more port to clash. Archival off: runs live in PostgreSQL only.
 */
export function serverConfigYaml(s: ClusterSettings): string {
  return `# Generated by scripts/cluster/up.ts on every start; edits are overwritten.
log:
  stdout: true
  level: ${s.logLevel}

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  # Fixed once the schema holds data; 4 is plenty on one machine.
  numHistoryShards: 4
  datastores:
    postgres-default:
${datastore(s, DATABASES.default, 20)}
    postgres-visibility:
${datastore(s, DATABASES.visibility, 10)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "${s.host}"

services:
${service(s, 'frontend', s.frontendPort, `      httpPort: ${s.httpPort}`)}
${service(s, 'history', s.historyPort)}
${service(s, 'matching', s.matchingPort)}
${service(s, 'worker', s.workerPort)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "${frontendAddress(s)}"

dcRedirectionPolicy:
  policy: noop

archival:
  history:
    state: disabled
  visibility:
    state: disabled

namespaceDefaults:
  archival:
    history:
      state: disabled
    visibility:
      state: disabled

dynamicConfigClient:
  filepath: "${s.dynamicConfigFile}"
  pollInterval: 10s
`;
}

/** Dynamic config: what Phasegate relies on, stated rather than left to defaults, plus local-speed settings. */
export function dynamicConfigYaml(): string {
  return `# Generated by scripts/cluster/up.ts; the server re-reads it every 10s.
# decide votes and agent claims are workflow Updates.
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
# The PostgreSQL visibility schema stores ids as VARCHAR(255): refuse longer ones at start.
limit.maxIDLength:
  - value: 255
# Search attributes registered by cluster:up are usable at once instead of after a cache refresh.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
# A namespace created by cluster:up is served within 2s instead of 10s.
system.namespaceCacheRefreshInterval:
  - value: 2s
# No call-home from a local cluster.
frontend.enableServerVersionCheck:
  - value: false
# Eager activities: a step starts in the reply to the workflow task that scheduled it (config/server-settings.ts).
${EAGER_ACTIVITIES_FLAG}:
  - value: true
`;
}

/**
 * The UI server's config (`development.yaml` in its config folder; it needs no base file). Writes
 * are allowed: the UI is how an operator looks at and acts on runs.
 */
export function uiConfigYaml(s: ClusterSettings): string {
  return `# Generated by scripts/cluster/up.ts on every start.
temporalGrpcAddress: "${frontendAddress(s)}"
host: ${s.host}
port: ${s.uiPort}
enableUi: true
defaultNamespace: ${s.namespace}
notifyOnNewVersion: false
refreshInterval: 0s
cors:
  cookieInsecure: true
  allowOrigins:
    - "http://${s.host}:${s.uiPort}"
    - "http://localhost:${s.uiPort}"
`;
}
