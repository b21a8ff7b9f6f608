/**
 * Builds the cluster's Go programs (Temporal server, its SQL schema tool, the standalone UI server)
 * with `go install <pkg>@<pinned version>` into the version-keyed cache folder, and links them into
 * `.tools/`. Only the Go module proxy is used; nothing is downloaded as a prebuilt binary.
 *
 * A build happens once per version and machine (a few minutes each on two cores); later runs only
 * check the binary is there.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath, isExecutable } from '../executables';
import { GO_TOOLS, TEMPORAL_SERVER_VERSION, toolCacheDir, toolLink, type GoTool } from './config';

type Log = (msg: string) => void;

/** `go` from PATH, else the default install location of the official tarball. */
export function findGo(): string | undefined {
  return findOnPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

function requireGo(): string {
  const go = findGo();
  if (!go)
    throw new Error(
      'Go is needed to build the Temporal server for the cluster (go install from the module proxy); install Go 1.24+ and put it on PATH.',
    );
  return go;
}

function link(bin: string, linkPath: string): void {
  try {
    if (readlinkSync(linkPath) === bin) return;
  } catch {
    // no link yet
  }
  mkdirSync(join(linkPath, '..'), { recursive: true });
  rmSync(linkPath, { force: true });
  symlinkSync(bin, linkPath);
}

/**
 * Returns the path of `tool`'s binary, building it first if it is not in the cache. The build's own
 * output is shown (module downloads, errors) so a slow first run is visibly busy.
 */
export function ensureGoTool(tool: GoTool, log: Log): string {
  const dir = toolCacheDir(tool);
  const bin = join(dir, tool.binary);
  if (!isExecutable(bin)) {
    const go = requireGo();
    mkdirSync(dir, { recursive: true });
    const started = Date.now();
    log(`building ${tool.pkg}@${tool.version} into ${dir} (first time only; several minutes) ...`);
    // `go install pkg@version` ignores any go.mod/go.work around us: the pinned version is what builds.
    execFileSync(go, ['install', `${tool.pkg}@${tool.version}`], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: dir },
    });
    if (!isExecutable(bin)) throw new Error(`go install ${tool.pkg}@${tool.version} finished but ${bin} is missing`);
    log(`built ${tool.link} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }
  link(bin, toolLink(tool));
  return bin;
}

/** How the SQL tool finds one versioned schema: `update-schema` arguments. */
export type SchemaSource = readonly string[];

/**
 * Where the SQL tool takes the PostgreSQL schemas from: the `versioned/` folders shipped in the
 * server module, as the build left them in the Go module cache (so what gets applied can be read
 * on disk), re-fetched with `go mod download` if the module cache was cleaned. Without Go (tools
 * copied from another cache), the copies embedded in the SQL tool itself, which are the same files.
 */
export function schemaSources(log: Log): { temporal: SchemaSource; visibility: SchemaSource } {
  const embedded = {
    temporal: ['--schema-name', 'postgresql/v12/temporal'],
    visibility: ['--schema-name', 'postgresql/v12/visibility'],
  };
  const go = findGo();
  if (!go) {
    log('go not found: using the schemas embedded in the SQL tool');
    return embedded;
  }
  const modCache = execFileSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const root = join(modCache, 'go.temporal.io', `server@v${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  if (!existsSync(root)) {
    log(
      `fetching go.temporal.io/server@v${TEMPORAL_SERVER_VERSION} sources for its schema folders (go mod download; no build)`,
    );
    execFileSync(go, ['mod', 'download', `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`], { stdio: 'inherit' });
  }
  const dirs = { temporal: join(root, 'temporal', 'versioned'), visibility: join(root, 'visibility', 'versioned') };
  if (!existsSync(dirs.temporal) || !existsSync(dirs.visibility)) {
    log(`schema folders not found under ${root}: using the schemas embedded in the SQL tool`);
    return embedded;
  }
  return { temporal: ['--schema-dir', dirs.temporal], visibility: ['--schema-dir', dirs.visibility] };
}

/** Every Go tool the cluster uses, built if needed. The UI is optional: its build failing is reported, not fatal. */
export function ensureClusterTools(
  log: Log,
  opts: { ui: boolean },
): { server: string; sqlTool: string; ui: string | undefined } {
  const server = ensureGoTool(GO_TOOLS.server, log);
  const sqlTool = ensureGoTool(GO_TOOLS.sqlTool, log);
  let ui: string | undefined;
  if (opts.ui) {
    try {
      ui = ensureGoTool(GO_TOOLS.ui, log);
    } catch (err) {
      log(`the Temporal UI server could not be built (${(err as Error).message}); the cluster runs without a UI`);
    }
  }
  return { server, sqlTool, ui };
}
