/**
 * `npm run cluster:down`: stops what `cluster:up` started, newest first (UI, server, PostgreSQL),
 * each by its pid file. Idempotent: stopping a stopped cluster prints that and succeeds. Data stays
 * in `.data/cluster` so the next `cluster:up` continues with the same runs; `--wipe` deletes it.
 *
 * It never builds or installs anything: when a binary is missing its process cannot be ours.
 */
import { existsSync, rmSync } from 'node:fs';
import { clusterSettings, GO_TOOLS, toolCacheDir } from './config';
import { daemonPid, stopDaemon } from './daemons';
import { log, secondsSince } from './log';
import { findPgBinDir, postgresPid, stopPostgres } from './postgres';
import { serverDaemon, uiDaemon } from './processes';
import { join } from 'node:path';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  for (const a of args) if (a !== '--wipe') throw new Error(`unknown option ${a} (options: --wipe)`);
  const s = clusterSettings();
  const started = Date.now();
  const ui = uiDaemon(s, join(toolCacheDir(GO_TOOLS.ui), GO_TOOLS.ui.binary));
  const server = serverDaemon(s, join(toolCacheDir(GO_TOOLS.server), GO_TOOLS.server.binary));
  const anything = Boolean(daemonPid(ui) || daemonPid(server) || postgresPid(s));

  await stopDaemon(ui, log, 10_000);
  // The server drains its shards on SIGTERM; give it time before SIGKILL.
  await stopDaemon(server, log, 30_000);
  stopPostgres(findPgBinDir(), s, log);

  if (args.includes('--wipe') && existsSync(s.dataDir)) {
    rmSync(s.dataDir, { recursive: true, force: true });
    log(`deleted ${s.dataDir}`);
  }
  log(anything ? `cluster stopped in ${secondsSince(started)}` : 'cluster was not running');
}

main().catch((err: unknown) => {
  log(`cluster:down failed: ${(err as Error).message}`);
  process.exit(1);
});
