/**
 * A private PostgreSQL for the cluster: its own data folder under `.data/cluster/pg`, its own
 * loopback port, trust auth for loopback connections only, no Unix socket. It does not touch the
 * machine's system cluster (if any); Debian's packages are only used for their binaries.
 *
 * initdb and postgres refuse to run as root, so as root every server-side command runs as the
 * `postgres` user (created by the Debian package) and the data folder is owned by it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isExecutable, pathDirs } from '../executables';
import type { ClusterSettings } from './config';

type Log = (msg: string) => void;

const isRoot = () => process.getuid?.() === 0;

/** The folder with initdb/pg_ctl/psql: PATH, else the newest Debian `/usr/lib/postgresql/<v>/bin`. */
export function findPgBinDir(): string | undefined {
  for (const dir of pathDirs()) {
    if (isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl')) && isExecutable(join(dir, 'psql')))
      return dir;
  }
  // Debian keeps the server binaries off PATH (only wrappers like pg_ctlcluster are on it).
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && isExecutable(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

/** Returns the PostgreSQL bin folder, installing the Debian `postgresql` package first if needed (root only). */
export function ensurePostgresInstalled(log: Log): string {
  const found = findPgBinDir();
  if (found) return found;
  if (!isRoot())
    throw new Error(
      'PostgreSQL is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y postgresql) and run again.',
    );
  log('PostgreSQL not found: apt-get install -y postgresql ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Wait for the dpkg lock instead of failing when another apt-get is running.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  execFileSync('apt-get', [...lock, 'update'], { stdio: 'inherit', env });
  execFileSync('apt-get', [...lock, 'install', '-y', '--no-install-recommends', 'postgresql'], {
    stdio: 'inherit',
    env,
  });
  const dir = findPgBinDir();
  if (!dir) throw new Error('apt-get installed postgresql but initdb was not found under /usr/lib/postgresql/*/bin');
  return dir;
}

/** Runs a server-side PostgreSQL binary, as `postgres` when we are root. */
function runAsDbOwner(bin: string, args: readonly string[], opts: { stdio?: 'inherit' | 'pipe' } = {}): string {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: opts.stdio ?? 'pipe', cwd: '/' });
}

/** The data folder must be reachable by the postgres user: every parent needs the search bit for it. */
function checkReachable(dir: string): void {
  if (!isRoot()) return;
  const r = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir], { cwd: '/' });
  if (r.status !== 0) {
    throw new Error(
      `the postgres user cannot reach ${dir} (a parent folder is not searchable by others); set PHASEGATE_CLUSTER_DIR to a folder it can reach, e.g. /var/tmp/phasegate-cluster`,
    );
  }
}

/** Creates the data folder with initdb (superuser `dbUser`, trust on loopback) unless it exists. */
export function initDataDir(bin: string, s: ClusterSettings, log: Log): boolean {
  if (existsSync(join(s.pgDataDir, 'PG_VERSION'))) return false;
  // Parents with default permissions (the postgres user must pass through them), the data folder private.
  mkdirSync(s.dataDir, { recursive: true });
  mkdirSync(s.pgDataDir, { mode: 0o700 });
  if (isRoot()) {
    const pwd = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    if (!pwd)
      throw new Error('there is no postgres user to run PostgreSQL as (the Debian postgresql package creates it)');
    const [, , uid, gid] = pwd.split(':');
    chownSync(s.pgDataDir, Number(uid), Number(gid));
  }
  checkReachable(s.pgDataDir);
  log(`initdb ${s.pgDataDir} (superuser ${s.dbUser}, trust auth on loopback) ...`);
  runAsDbOwner(join(bin, 'initdb'), [
    '-D',
    s.pgDataDir,
    '-U',
    s.dbUser,
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--auth-local=trust',
    '--auth-host=trust',
  ]);
  return true;
}

/** The postmaster's pid from its pid file, when that process is alive. */
export function postgresPid(s: ClusterSettings): number | undefined {
  const file = join(s.pgDataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // A stale pid file (say after a reboot) may name an unrelated process: check it is a postgres.
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts PostgreSQL (pg_ctl waits until it accepts connections). Listens on 127.0.0.1 only, no Unix
 * socket (so nothing clashes with a system cluster's socket folder). Unless `s.pgFsync`, fsync is
 * off: commits survive any process crash (the OS has the pages) but not a machine crash, which is
 * the right trade for a local test cluster on a small VM with slow disk flushes.
 */
export function startPostgres(bin: string, s: ClusterSettings, log: Log): void {
  if (postgresPid(s)) {
    log(`PostgreSQL already running on ${s.host}:${s.pgPort}`);
    return;
  }
  statSync(s.pgDataDir);
  const fast = s.pgFsync ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
  const opts = [
    `-p ${s.pgPort}`,
    `-c listen_addresses=${s.host}`,
    `-c unix_socket_directories=''`,
    '-c max_connections=100',
    ...fast,
  ].join(' ');
  runAsDbOwner(join(bin, 'pg_ctl'), [
    'start',
    '-w',
    '-t',
    '60',
    '-D',
    s.pgDataDir,
    '-l',
    join(s.pgDataDir, 'server.log'),
    '-o',
    opts,
  ]);
  log(`PostgreSQL running on ${s.host}:${s.pgPort} (log: ${join(s.pgDataDir, 'server.log')})`);
}

/** Stops PostgreSQL (fast mode: rolls back open transactions, no waiting for clients). No-op when stopped. */
export function stopPostgres(bin: string | undefined, s: ClusterSettings, log: Log): void {
  const pid = postgresPid(s);
  if (!pid) return;
  if (bin) {
    runAsDbOwner(join(bin, 'pg_ctl'), ['stop', '-w', '-t', '60', '-m', 'fast', '-D', s.pgDataDir]);
  } else {
    // Binaries gone (package removed) but the server runs: SIGINT is PostgreSQL's fast shutdown.
    process.kill(pid, 'SIGINT');
  }
  log(`stopped PostgreSQL (pid ${pid})`);
}

/** Runs one SQL statement through psql as the cluster superuser; returns its unaligned output. */
export function psql(bin: string, s: ClusterSettings, database: string, sql: string): string {
  return execFileSync(
    join(bin, 'psql'),
    ['-h', s.host, '-p', String(s.pgPort), '-U', s.dbUser, '-d', database, '-v', 'ON_ERROR_STOP=1', '-tAc', sql],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();
}
