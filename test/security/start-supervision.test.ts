/**
 * Row 15 of the security review: one crash must not stop the whole local stack. A real
 * `scripts/start.ts` on free ports (its own dev server, data in a temporary folder): a worker or API
 * killed with SIGKILL is restarted with a line saying why, and answers again; the dev server's own
 * crash still stops everything, saying so.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { freePort, until } from '../helpers/processes';

const ROOT = join(__dirname, '..', '..');
let start: ChildProcess;
let out = '';
let dir: string;
let apiPort: number;
let exitCode: number | null | undefined;

/** Pid of the direct child of `start` whose command line contains `needle`. */
function childPid(needle: string): number {
  const lines = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(start.pid)], { encoding: 'utf8' }).split('\n');
  const line = lines.find((l) => l.includes(needle));
  if (!line) throw new Error(`no child running ${needle}:\n${lines.join('\n')}`);
  return Number(line.trim().split(/\s+/)[0]);
}

const count = (re: RegExp) => (out.match(new RegExp(re.source, 'g')) ?? []).length;

async function apiHealthy(): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${apiPort}/healthz`, { signal: AbortSignal.timeout(2_000) })).status === 200;
  } catch {
    return false;
  }
}

before(async () => {
  ensureTemporalCli();
  dir = mkdtempSync(join(tmpdir(), 'phasegate-start-'));
  apiPort = await freePort();
  const devPort = await freePort();
  const uiPort = await freePort();
  start = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NO_COLOR: '1',
      PORT: String(apiPort),
      PHASEGATE_DEV_PORT: String(devPort),
      PHASEGATE_DEV_UI_PORT: String(uiPort),
      PHASEGATE_DATA_DIR: dir,
      TEMPORAL_UI_URL: `http://localhost:${uiPort}`,
      TEMPORAL_TASK_QUEUE: `start-test-${devPort}`,
      TEMPORAL_ADDRESS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  start.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  start.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  start.once('exit', (code) => (exitCode = code));
  await until(
    async () => out.includes('polling task queue') && (await apiHealthy()),
    120_000,
    `npm start to come up:\n${out}`,
  );
});

after(async () => {
  if (exitCode === undefined && start.pid) {
    start.kill('SIGTERM');
    await until(() => exitCode !== undefined, 30_000, 'start to stop').catch(() => start.kill('SIGKILL'));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('row 15: npm start supervises its children', () => {
  it('a worker killed with SIGKILL is restarted, saying why, and polls again', async () => {
    process.kill(childPid('workers/main.ts'), 'SIGKILL');
    await until(
      () => /\[start\] worker exited unexpectedly \(signal SIGKILL\); restarting it in 1s \(restart 1\)/.test(out),
      30_000,
      `the restart line:\n${out}`,
    );
    await until(
      () => out.includes('[start] worker restarted') && count(/polling task queue/) >= 2,
      90_000,
      `the worker back:\n${out}`,
    );
    assert.equal(exitCode, undefined, 'start is still running');
    assert.ok(await apiHealthy(), 'the API kept answering');
  });

  it('an API killed with SIGKILL is restarted and answers again', async () => {
    process.kill(childPid('client/api/server.ts'), 'SIGKILL');
    await until(
      () => /\[start\] api exited unexpectedly \(signal SIGKILL\); restarting it in 1s/.test(out),
      30_000,
      `the restart line:\n${out}`,
    );
    await until(apiHealthy, 90_000, `the API back:\n${out}`);
    assert.equal(exitCode, undefined);
  });

  it('the dev server crashing stops everything with a clear message', async () => {
    process.kill(childPid('start-dev'), 'SIGKILL');
    await until(() => exitCode !== undefined, 60_000, `start to stop:\n${out}`);
    assert.equal(exitCode, 1);
    assert.match(
      out,
      /\[start\] temporal exited unexpectedly \(signal SIGKILL\): without the Temporal server nothing can run/,
    );
    assert.match(out, /\[start\] stopped \(exit 1\)/);
    assert.equal(await apiHealthy(), false, 'the API is gone too');
  });
});
