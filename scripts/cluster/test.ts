/**
 * `npm run test:cluster`: `cluster:up`, the end-to-end suite in `test/cluster/` against it, then
 * `cluster:down` whatever happened (tests failing, cluster:up failing half way, Ctrl-C), exiting
 * with the tests' status. A script rather than a `&&` chain so the address follows the configured
 * port and the cleanup cannot be skipped. Extra arguments go to `node --test`, e.g.
 * `npm run test:cluster -- --test-name-pattern=visibility`.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../temporal-cli';
import { clusterSettings, frontendAddress } from './config';
import { log, secondsSince } from './log';

const TEST_DIR = join('test', 'cluster');

/** Runs a command with our stdio; resolves with its exit code (signals count as failure). */
function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], { cwd: PROJECT_ROOT, env, stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

const tsx = (script: string, args: readonly string[] = []) =>
  run(process.execPath, ['--import', 'tsx', join('scripts', 'cluster', script), ...args]);

async function main(): Promise<number> {
  if (process.env.PHASEGATE_SKIP_CLUSTER === '1') {
    // An explicit opt-out for machines without Go or root; CI never sets it.
    log('PHASEGATE_SKIP_CLUSTER=1: the PostgreSQL cluster suite was NOT run');
    return 0;
  }
  const started = Date.now();
  // A Ctrl-C reaches the children too (same process group); we stay alive to run cluster:down.
  process.on('SIGINT', () => log('interrupted: stopping the cluster ...'));
  let code = await tsx('up.ts');
  if (code === 0) {
    const files = readdirSync(join(PROJECT_ROOT, TEST_DIR))
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => join(TEST_DIR, f));
    const testsStarted = Date.now();
    const env = { ...process.env, PHASEGATE_CLUSTER_ADDRESS: frontendAddress(clusterSettings()) };
    code = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        '--test-concurrency=1',
        '--test-timeout=300000',
        ...process.argv.slice(2),
        ...files,
      ],
      env,
    );
    log(`tests ${code === 0 ? 'passed' : 'FAILED'} in ${secondsSince(testsStarted)}`);
  }
  const down = await tsx('down.ts');
  log(`test:cluster ${code === 0 && down === 0 ? 'passed' : 'failed'} in ${secondsSince(started)}`);
  return code || down;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`test:cluster failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
