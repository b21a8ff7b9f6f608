/**
 * Rows 3 (the worker side), 4, 6, 8 and 11 of the security review, against a real worker: what a
 * plan cannot make the worker do whatever the API let through (runs started straight on Temporal
 * skip the API's validation): leave PHASEGATE_WORKDIR, set loader variables, run a disabled
 * executor, expand a variable that is not a named secret, stall on a regex, pass a check on a
 * metric never reported, or leak host paths and URL credentials into error texts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startRun } from '../../client/runs';
import type { PhasePlan } from '../../workflows/plan/schema';
import { validatePlan } from '../../workflows/plan/validate';
import type { RunStatus } from '../../workflows/status';
import { createTestEnv, startWorker, waitForOutcome, type TestWorker } from '../helpers/temporal';
import { oneTask } from './helpers';

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let dir: string;
let workdir: string;
let sink: Server;
let sinkUrl: string;
const seen: IncomingHttpHeaders[] = [];
const saved = { ...process.env };

/** Runs `plan` straight on Temporal (no API in between), as anyone who reaches Temporal could. */
async function runRaw(plan: Record<string, unknown>): Promise<RunStatus> {
  const handle = await startRun(env.client, plan as unknown as PhasePlan, { taskQueue: worker.taskQueue });
  return waitForOutcome(handle, 60_000);
}

function taskError(s: RunStatus): string {
  return s.steps[0]?.error ?? '';
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phasegate-secw-'));
  workdir = join(dir, 'work');
  mkdirSync(join(workdir, 'inside'), { recursive: true });
  mkdirSync(join(dir, 'etc'));
  symlinkSync(join(dir, 'etc'), join(workdir, 'escape'));
  writeFileSync(join(dir, 'evil.sh'), `touch ${join(dir, 'bash-env-ran')}\n`);
  process.env.PHASEGATE_WORKDIR = workdir;
  process.env.PHASEGATE_SECRETS = 'DEPLOY_TOKEN';
  process.env.DEPLOY_TOKEN = 'tok-deploy';
  process.env.PHASEGATE_SECRET_API = 'tok-api';
  process.env.WORKER_ONLY_VALUE = 'must-not-leave';
  sink = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"metrics":{}}');
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`;
  env = await createTestEnv();
  worker = await startWorker(env);
});

after(async () => {
  await worker?.stop();
  await env?.teardown();
  await new Promise<void>((r) => sink.close(() => r()));
  for (const k of [
    'PHASEGATE_WORKDIR',
    'PHASEGATE_SECRETS',
    'DEPLOY_TOKEN',
    'PHASEGATE_SECRET_API',
    'WORKER_ONLY_VALUE',
    'PHASEGATE_EXECUTORS',
  ]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('row 3 (worker): shell tasks stay in their box', () => {
  it('a cwd outside PHASEGATE_WORKDIR (absolute, .. or a symbolic link) fails for good; inside works', async () => {
    for (const cwd of ['/', '..', 'escape']) {
      const s = await runRaw(
        oneTask(`cwd-${cwd === '/' ? 'root' : cwd === '..' ? 'up' : 'link'}`, { kind: 'shell', command: ['pwd'], cwd }),
      );
      assert.equal(s.outcome, 'failed', cwd);
      assert.match(taskError(s), /outside the worker's work folder/, cwd);
      assert.equal(s.steps[0]?.attempts, 1, 'non-retryable');
    }
    const ok = await runRaw(oneTask('cwd-inside', { kind: 'shell', command: ['pwd'], cwd: 'inside' }));
    assert.equal(ok.outcome, 'succeeded');
  });

  it('env may not set loader or start-up variables: validation names the path, the worker refuses too', async () => {
    const v = validatePlan(
      oneTask('bash-env', { kind: 'shell', command: ['true'], env: { BASH_ENV: join(dir, 'evil.sh') } }),
    );
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.errors[0]?.path, 'steps[0].run.env.BASH_ENV');
    for (const name of ['BASH_ENV', 'LD_PRELOAD', 'NODE_OPTIONS', 'DYLD_INSERT_LIBRARIES', 'PYTHONSTARTUP', 'ENV']) {
      const s = await runRaw(
        oneTask(`env-${name.toLowerCase().replace(/_/g, '-')}`, {
          kind: 'shell',
          script: 'true',
          env: { [name]: join(dir, 'evil.sh') },
        }),
      );
      assert.equal(s.outcome, 'failed', name);
      assert.match(taskError(s), new RegExp(`${name} may not be set`));
    }
    assert.equal(existsSync(join(dir, 'bash-env-ran')), false, 'the BASH_ENV script never ran');
  });

  it('the worker credentials are not passed to shell tasks', async () => {
    process.env.PHASEGATE_SIGNING_KEY = 'k'.repeat(32);
    try {
      const s = await runRaw({
        id: 'no-creds',
        steps: [
          {
            id: 'task',
            run: { kind: 'shell', script: 'echo "::metric key=${PHASEGATE_SIGNING_KEY:-absent}"' },
            metrics: { key: {} },
          },
        ],
      });
      assert.equal(s.steps[0]?.metrics.key, 'absent');
    } finally {
      delete process.env.PHASEGATE_SIGNING_KEY;
    }
  });

  it('PHASEGATE_EXECUTORS: a disabled kind fails for good with ExecutorDisabled', async () => {
    process.env.PHASEGATE_EXECUTORS = 'simulate,agent';
    try {
      const s = await runRaw(
        oneTask('disabled-shell', { kind: 'shell', script: `touch ${join(dir, 'disabled-ran')}` }),
      );
      assert.equal(s.outcome, 'failed');
      assert.match(taskError(s), /executor kind "shell" is disabled on this worker/);
      assert.equal(s.steps[0]?.attempts, 1);
      assert.equal(existsSync(join(dir, 'disabled-ran')), false);
    } finally {
      delete process.env.PHASEGATE_EXECUTORS;
    }
  });
});

describe('row 4: ${NAME} expands only named secrets', () => {
  it('an unlisted variable fails the task and is never sent; listed and PHASEGATE_SECRET_* ones are', async () => {
    const leak = await runRaw(
      oneTask('secret-leak', { kind: 'http', url: sinkUrl, headers: { 'X-Secret': '${WORKER_ONLY_VALUE}' } }),
    );
    assert.equal(leak.outcome, 'failed');
    assert.match(taskError(leak), /WORKER_ONLY_VALUE, which is not a secret this worker may expand/);
    assert.ok(!seen.some((h) => JSON.stringify(h).includes('must-not-leave')), 'the value was never sent');
    const ok = await runRaw(
      oneTask('secret-ok', {
        kind: 'http',
        url: sinkUrl,
        headers: { 'X-A': '${DEPLOY_TOKEN}', 'X-B': '${PHASEGATE_SECRET_API}' },
      }),
    );
    assert.equal(ok.outcome, 'succeeded', taskError(ok));
    assert.ok(seen.some((h) => h['x-a'] === 'tok-deploy' && h['x-b'] === 'tok-api'));
  });
});

describe('row 6: metric regexes cannot stall the worker', () => {
  it('^(a+)+$ over 29 a and a ! finishes at once (RE2), and validation refuses what RE2 cannot run', async () => {
    const started = Date.now();
    const s = await runRaw({
      id: 'redos',
      steps: [
        {
          id: 'task',
          run: { kind: 'shell', script: `printf 'a%.0s' $(seq 1 29); echo '!'` },
          metrics: { m: { regex: '^(a+)+$' } },
        },
      ],
    });
    assert.equal(s.outcome, 'succeeded');
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    const v = validatePlan({
      id: 'backref',
      steps: [{ id: 'task', run: { kind: 'simulate' }, metrics: { m: { regex: '(a)\\1' } } }],
    });
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.errors[0]?.path, 'steps[0].metrics.m.regex');
  });
});

describe('row 8: checks read own metrics only', () => {
  it('a check on `constructor`, never reported, does not pass', async () => {
    const s = await runRaw({
      id: 'proto-check',
      steps: [
        { id: 'a', run: { kind: 'simulate' }, metrics: { constructor: {} } },
        { id: 'gate', gate: { needs: ['a'], checks: [{ metric: 'a.constructor', op: '!=', value: 7 }] } },
      ],
    });
    assert.equal(s.gates[0]?.checks[0]?.passed, false);
    assert.equal(s.gates[0]?.checks[0]?.actual, null);
    assert.equal(s.outcome, 'rejected');
  });
});

describe('row 11: error texts leak nothing', () => {
  it('a missing cwd is named as written, never as a host path', async () => {
    const s = await runRaw(oneTask('cwd-missing', { kind: 'shell', command: ['true'], cwd: 'nope' }));
    assert.match(taskError(s), /working directory "nope" does not exist/);
    assert.ok(!taskError(s).includes(workdir), taskError(s));
  });

  it('an http error names the URL without credentials or query string', async () => {
    const url = `${sinkUrl.replace('http://', 'http://user:hunter2@')}?token=sekrit`;
    const s = await runRaw(oneTask('url-creds', { kind: 'http', url }));
    assert.equal(s.outcome, 'failed');
    const text = JSON.stringify(s);
    assert.ok(!text.includes('hunter2') && !text.includes('sekrit'), taskError(s));
  });
});
