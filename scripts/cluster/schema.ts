/**
 * Creates and migrates the two Temporal databases with the server's own SQL schema tool
 * (`temporal-sql-tool`): `temporal` (persistence) and `temporal_visibility` (the searchable run
 * list). Safe to run on every start: databases and the versioning table are created only when
 * missing, and `update-schema` applies only the versions not yet applied, so a server version bump
 * migrates an existing cluster in place.
 */
import { execFileSync } from 'node:child_process';
import { DATABASES, type ClusterSettings } from './config';
import { psql } from './postgres';
import type { SchemaSource } from './tools';

type Log = (msg: string) => void;

/** Runs the SQL tool against one database of the cluster's PostgreSQL. */
function sqlTool(tool: string, s: ClusterSettings, database: string, command: readonly string[]): void {
  const conn = [
    '--endpoint',
    s.host,
    '--port',
    String(s.pgPort),
    '--user',
    s.dbUser,
    '--plugin',
    'postgres12',
    '--database',
    database,
  ];
  execFileSync(tool, [...conn, ...command], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

/** The applied schema version, from the tool's own bookkeeping table. */
function schemaVersion(pgBin: string, s: ClusterSettings, database: string): string {
  return psql(pgBin, s, database, 'SELECT curr_version FROM schema_version LIMIT 1');
}

/**
 * Brings one database to the newest schema version of `source` (a `versioned/` folder of the server
 * module, or the tool's embedded copy). Returns the version it is at afterwards.
 */
function migrate(
  tool: string,
  pgBin: string,
  s: ClusterSettings,
  database: string,
  source: SchemaSource,
  log: Log,
): string {
  const exists = psql(pgBin, s, 'postgres', `SELECT 1 FROM pg_database WHERE datname = '${database}'`) === '1';
  if (!exists) {
    log(`create-database ${database}`);
    sqlTool(tool, s, database, ['create-database']);
  }
  const versioned = psql(pgBin, s, database, "SELECT to_regclass('public.schema_version') IS NOT NULL") === 't';
  if (!versioned) {
    // Version 0.0 creates only the versioning tables; update-schema then applies every version from v1.0 on.
    sqlTool(tool, s, database, ['setup-schema', '--version', '0.0']);
  }
  sqlTool(tool, s, database, ['update-schema', ...source]);
  return schemaVersion(pgBin, s, database);
}

/** Creates/migrates both databases; logs the version each ends at. */
export function setupSchemas(
  tool: string,
  pgBin: string,
  s: ClusterSettings,
  sources: { temporal: SchemaSource; visibility: SchemaSource },
  log: Log,
): void {
  const main = migrate(tool, pgBin, s, DATABASES.default, sources.temporal, log);
  const visibility = migrate(tool, pgBin, s, DATABASES.visibility, sources.visibility, log);
  log(`schemas: ${DATABASES.default} v${main}, ${DATABASES.visibility} v${visibility}`);
}
