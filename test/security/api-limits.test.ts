/**
 * Rows 3 (the API side: inline plans need the author role, executor kinds), 10 (4xx instead of
 * 500), 12 (overload answers fast with Retry-After) and 13 (foreign workflows are 404) of the
 * security review, over the raw HTTP API against a real Temporal.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TokenStore } from '../../client/api/auth';
import type { LoopbackServer } from '../helpers/http';
import { createTestEnv, startWorker, waitForStatus, type TestWorker } from '../helpers/temporal';
import { json, raw, serveApi } from './helpers';

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let open: LoopbackServer;
let dir: string;

const INLINE = { id: 'inline-x', steps: [{ id: 'a', run: { kind: 'shell', command: ['true'] } }] };
const TOKENS = new TokenStore({
  'tok-ops': { identity: 'olga', roles: ['operator'] },
  'tok-author': { identity: 'ann', roles: ['author'] },
  'tok-approver': { identity: 'alice', roles: ['approver'] },
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'phasegate-sec-'));
  writeFileSync(
    join(dir, 'bundled-x.json'),
    JSON.stringify({ id: 'bundled-x', steps: [{ id: 'a', run: { kind: 'simulate' } }] }),
  );
  env = await createTestEnv();
  worker = await startWorker(env);
  open = await serveApi(env, worker.taskQueue, { plansDir: dir });
});

after(async () => {
  await open?.close();
  await worker?.stop();
  await env?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

describe('row 3 (API): plans are code', () => {
  it('with tokens, an inline plan needs the author role; a bundled plan does not', async () => {
    const api = await serveApi(env, worker.taskQueue, { plansDir: dir, tokens: TOKENS });
    try {
      const byOperator = await json(api.base, 'POST', '/api/runs', { plan: INLINE }, 'tok-ops');
      assert.equal(byOperator.status, 403, byOperator.text);
      assert.match((byOperator.json as { error: string }).error, /author role/);
      assert.equal((await json(api.base, 'POST', '/api/runs', { plan: 'bundled-x' }, 'tok-ops')).status, 201);
      assert.equal((await json(api.base, 'POST', '/api/runs', { plan: INLINE }, 'tok-author')).status, 201);
      assert.equal((await json(api.base, 'POST', '/api/runs', { plan: INLINE }, 'tok-approver')).status, 403);
    } finally {
      await api.close();
    }
  });

  it('PHASEGATE_INLINE_PLANS=operators lets operators, =off refuses everyone (also without tokens)', async () => {
    const ops = await serveApi(env, worker.taskQueue, { plansDir: dir, tokens: TOKENS, inlinePlans: 'operators' });
    const off = await serveApi(env, worker.taskQueue, { plansDir: dir, inlinePlans: 'off' });
    try {
      assert.equal((await json(ops.base, 'POST', '/api/runs', { plan: INLINE }, 'tok-ops')).status, 201);
      const refused = await json(off.base, 'POST', '/api/runs', { plan: INLINE });
      assert.equal(refused.status, 403);
      assert.match((refused.json as { error: string }).error, /PHASEGATE_INLINE_PLANS=off/);
      assert.equal((await json(off.base, 'POST', '/api/runs', { plan: 'bundled-x' })).status, 201);
    } finally {
      await ops.close();
      await off.close();
    }
  });

  it('PHASEGATE_EXECUTORS: a plan using another kind is a 400 naming the path', async () => {
    const api = await serveApi(env, worker.taskQueue, { plansDir: dir, executors: ['simulate', 'agent'] });
    try {
      const res = await json(api.base, 'POST', '/api/runs', { plan: INLINE });
      assert.equal(res.status, 400, res.text);
      assert.equal((res.json as { details: { path: string }[] }).details[0]?.path, 'plan.steps[0].run.kind');
    } finally {
      await api.close();
    }
  });
});

describe('row 10: 4xx where 500s were', () => {
  it('malformed percent-encoding in a path is 400', async () => {
    for (const path of ['/api/runs/%ff', '/runs/%ff', '/api/agents/%ff/tasks', '/api/runs/%ff/cancel']) {
      const res = await raw(open.base, path.endsWith('cancel') ? 'POST' : 'GET', path, {
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.match((res.json as { error: string }).error, /percent-encoding/);
    }
  });

  it('a plan nested 10,000 deep is 400 for validate and runs, as JSON and as YAML', async () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const plan = `{"id":"deep","steps":[{"id":"a","run":{"kind":"http","url":"http://127.0.0.1:1/","body":${deep}}}]}`;
    for (const path of ['/api/plans/validate', '/api/runs']) {
      const body = path === '/api/runs' ? `{"plan":${plan}}` : plan;
      const res = await raw(open.base, 'POST', path, { headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400, `${path}: ${res.text.slice(0, 200)}`);
      assert.match((res.json as { error: string }).error, /nested too deeply/);
    }
    const yaml = `id: deep\nsteps:\n  - id: a\n    run: {kind: http, url: "http://127.0.0.1:1/", body: ${'['.repeat(10_000)}${']'.repeat(10_000)}}\n`;
    const res = await raw(open.base, 'POST', '/api/plans/validate', {
      headers: { 'content-type': 'application/yaml' },
      body: yaml,
    });
    assert.equal(res.status, 400, res.text.slice(0, 200));
  });

  it('a decision on a run whose workflow task keeps failing is 503 or 409, not 500', async () => {
    // A phase workflow with an input its code cannot run: every workflow task fails.
    const handle = await env.client.workflow.start('phaseWorkflow', {
      taskQueue: worker.taskQueue,
      workflowId: `broken-${Date.now()}`,
      args: [{ plan: { id: 'broken', steps: null } }],
    });
    const api = await serveApi(env, worker.taskQueue, { plansDir: dir, rpcTimeoutMs: 3_000 });
    try {
      const res = await json(api.base, 'POST', `/api/runs/${handle.workflowId}/decisions`, {
        gate: 'g',
        decision: 'go',
        approver: 'alice',
      });
      assert.ok([409, 503].includes(res.status), `${res.status}: ${res.text}`);
      if (res.status === 503) assert.ok(res.headers['retry-after'], 'a 503 says when to retry');
    } finally {
      await api.close();
      await handle.terminate().catch(() => undefined);
    }
  });
});

describe('row 12: overload answers fast', () => {
  it('300 concurrent status reads are answered within 5 s, each 200 or 429/503 with Retry-After', async () => {
    const started = await json(open.base, 'POST', '/api/runs', { plan: 'bundled-x' });
    const runId = (started.json as { runId: string }).runId;
    await waitForStatus(env.client.workflow.getHandle(runId), (s) => s.outcome !== null);
    const answers = await Promise.all(Array.from({ length: 300 }, () => raw(open.base, 'GET', `/api/runs/${runId}`)));
    const slowest = Math.max(...answers.map((a) => a.ms));
    assert.ok(slowest < 5_000, `slowest answer took ${slowest} ms`);
    for (const a of answers) {
      assert.ok(
        a.status === 200 || ([429, 503].includes(a.status) && a.headers['retry-after']),
        `${a.status} ${a.text.slice(0, 100)}`,
      );
    }
    assert.ok(answers.filter((a) => a.status === 200).length >= 250, 'most reads succeed');
  });

  it('list pages are bounded (pageSize > 200 is 400) and 100 concurrent big lists answer fast', async () => {
    const tooBig = await raw(open.base, 'GET', '/api/runs?pageSize=1000');
    assert.equal(tooBig.status, 400);
    assert.match(tooBig.text, /pageSize/);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => raw(open.base, 'GET', '/api/runs?pageSize=200')),
    );
    const slowest = Math.max(...answers.map((a) => a.ms));
    assert.ok(slowest < 5_000, `slowest answer took ${slowest} ms`);
    for (const a of answers)
      assert.ok(
        a.status === 200 || (a.status === 503 && a.headers['retry-after']),
        `${a.status} ${a.text.slice(0, 100)}`,
      );
  });

  it('a per-token rate limit answers 429 with Retry-After; another token has its own budget', async () => {
    const api = await serveApi(env, worker.taskQueue, { plansDir: dir, tokens: TOKENS, rateLimit: '5/1m' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push((await json(api.base, 'GET', '/api/plans', undefined, 'tok-ops')).status);
      assert.deepEqual(codes, [200, 200, 200, 200, 200, 429]);
      const limited = await json(api.base, 'GET', '/api/plans', undefined, 'tok-ops');
      assert.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After in seconds');
      assert.match((limited.json as { error: string }).error, /rate limit/);
      assert.equal((await json(api.base, 'GET', '/api/plans', undefined, 'tok-approver')).status, 200);
    } finally {
      await api.close();
    }
  });
});

describe('row 13: workflows that are not Phasegate runs', () => {
  it('are 404 to every run route', async () => {
    const foreign = await env.client.workflow.start('someoneElsesWorkflow', {
      taskQueue: 'not-phasegate',
      workflowId: `foreign-${Date.now()}`,
    });
    try {
      const id = foreign.workflowId;
      const calls: [string, string, unknown][] = [
        ['GET', `/api/runs/${id}`, undefined],
        ['POST', `/api/runs/${id}/cancel`, {}],
        ['POST', `/api/runs/${id}/decisions`, { gate: 'g', decision: 'go', approver: 'a' }],
        ['POST', `/api/runs/${id}/steps/s/skip`, {}],
        ['POST', `/api/runs/${id}/steps/s/claim`, {}],
      ];
      for (const [method, path, body] of calls) {
        const res = await json(open.base, method, path, body);
        assert.equal(res.status, 404, `${method} ${path}: ${res.status} ${res.text}`);
        assert.match((res.json as { error: string }).error, /not a Phasegate run/);
      }
      const described = await foreign.describe();
      assert.equal(described.status.name, 'RUNNING', 'the foreign workflow was not cancelled');
    } finally {
      await foreign.terminate().catch(() => undefined);
    }
  });
});
