/**
 * `npm run setup:browser` (run by `npm run test:browser` first): makes sure the Chromium that the
 * browser tests drive through playwright-core exists. We use Debian's `chromium` package instead
 * of Playwright's own browser download, so only the distribution's package registry is needed.
 *
 * Missing, and running as root on a system with apt-get: installs it (`apt-get update && apt-get
 * install -y chromium`), printing each command. Otherwise it fails with the package to install.
 * `PHASEGATE_CHROMIUM` points the tests at another Chromium/Chrome binary (then nothing is installed).
 */
import { spawnSync } from 'node:child_process';
import { isExecutable } from './executables';

/** The Debian package that provides {@link DEFAULT_CHROMIUM_PATH}. */
export const CHROMIUM_PACKAGE = 'chromium';

/** Where Debian's package puts the browser. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** The browser the tests use. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PHASEGATE_CHROMIUM || DEFAULT_CHROMIUM_PATH;
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function version(path: string): string {
  const out = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  return (out.stdout ?? '').trim() || 'version unknown';
}

function run(log: (line: string) => void, command: string, args: string[]): void {
  log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(
      `"${[command, ...args].join(' ')}" failed with exit code ${result.status}: install the Debian package "${CHROMIUM_PACKAGE}" by hand`,
    );
}

/**
 * Returns the path of a runnable Chromium, installing Debian's package when that is possible.
 * Throws an Error whose message says what to install when it is not.
 */
export function ensureChromium(log: (line: string) => void = console.log): string {
  const path = chromiumPath();
  if (isExecutable(path)) {
    log(`Chromium: ${path} (${version(path)})`);
    return path;
  }
  if (process.env.PHASEGATE_CHROMIUM) throw new Error(`PHASEGATE_CHROMIUM=${path} is not an executable file`);
  const manual = `install the Debian package "${CHROMIUM_PACKAGE}" (apt-get update && apt-get install -y ${CHROMIUM_PACKAGE}), or set PHASEGATE_CHROMIUM to a Chromium or Chrome binary`;
  if (process.platform !== 'linux' || !hasCommand('apt-get'))
    throw new Error(`Chromium not found at ${path} and apt-get is not available: ${manual}`);
  if (process.getuid?.() !== 0)
    throw new Error(`Chromium not found at ${path}; installing it needs root: as root, ${manual}`);
  log(`Chromium not found at ${path}: installing the Debian package "${CHROMIUM_PACKAGE}"`);
  run(log, 'apt-get', ['update']);
  run(log, 'apt-get', ['install', '-y', CHROMIUM_PACKAGE]);
  if (!isExecutable(path))
    throw new Error(
      `the package "${CHROMIUM_PACKAGE}" is installed but ${path} is still missing: set PHASEGATE_CHROMIUM to the browser's path`,
    );
  log(`Chromium installed: ${path} (${version(path)})`);
  return path;
}

if (require.main === module) {
  try {
    ensureChromium();
  } catch (err) {
    console.error(`setup-browser: ${(err as Error).message}`);
    process.exit(1);
  }
}
