/**
 * Rows 1 and 2 of the security review: with auth off (loopback, the `npm start` default), a web page
 * on another origin must not change anything (CSRF), and a page that rebinds its own name to
 * 127.0.0.1 must not reach the API (DNS rebinding). Tried from a second origin in real Chromium and
 * with raw requests; the approvals page itself still votes, with JavaScript (same-origin JSON) and
 * without (a same-origin form post).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser } from 'playwright-core';
import type { RunStatus } from '../../workflows/status';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../browser/harness';
import type { LoopbackServer } from '../helpers/http';
import { createTestEnv, startWorker, waitForStatus, type TestWorker } from '../helpers/temporal';
import { heldPlan, json, raw, serveApi } from './helpers';

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let apiServer: LoopbackServer;
let evil: Server;
let evilBase: string;
let browser: Browser;
const REBIND_HOST = 'rebind.evil.test';

/** The attacker's page: fires every body-less / simple POST a page can send without a preflight. */
function attackPage(apiBase: string, runId: string): string {
  const r = encodeURIComponent(runId);
  return `<!doctype html><html><body>
<form id="f" method="POST" action="${apiBase}/api/runs/${r}/cancel" target="sink"><input name="x" value="1"></form>
<iframe name="sink"></iframe>
<script>
  const api = ${JSON.stringify(apiBase)};
  const shots = [
    fetch(api + '/api/runs/${r}/steps/tests/skip', { method: 'POST', mode: 'no-cors' }),
    fetch(api + '/api/runs/${r}/steps/tests/retry', { method: 'POST', mode: 'no-cors', body: '{}' , headers: { 'content-type': 'text/plain' } }),
    fetch(api + '/api/runs', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ plan: { id: 'csrf-x', steps: [{ id: 'a', run: { kind: 'shell', script: 'touch /tmp/phasegate-csrf' } }] } }) }),
    fetch(api + '/api/runs/${r}/cancel', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch((e) => 'blocked: ' + e.message),
  ];
  document.getElementById('f').submit();
  Promise.allSettled(shots).then(() => { document.title = 'done'; });
</script></body></html>`;
}

async function heldRun(id: string): Promise<string> {
  const started = await json(apiServer.base, 'POST', '/api/runs', { plan: heldPlan(id) });
  assert.equal(started.status, 201, started.text);
  const runId = (started.json as { runId: string }).runId;
  await waitForStatus(env.client.workflow.getHandle(runId), (s) => s.state === 'held', 60_000);
  return runId;
}

async function statusOf(runId: string): Promise<RunStatus> {
  const res = await json(apiServer.base, 'GET', `/api/runs/${runId}`);
  return res.json as RunStatus;
}

before(async () => {
  env = await createTestEnv();
  worker = await startWorker(env);
  apiServer = await serveApi(env, worker.taskQueue);
  evil = createServer((req, res) => {
    const runId = new URL(req.url ?? '/', 'http://x').searchParams.get('run') ?? '';
    res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(apiServer.base, runId));
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilBase = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`],
  });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((r) => (evil ? evil.close(() => r()) : r()));
  await apiServer?.close();
  await worker?.stop();
  await env?.teardown();
});

describe('row 1: CSRF with auth off', () => {
  it('a page on another origin cannot skip, retry or cancel a held run, nor start one (Chromium)', async () => {
    const runId = await heldRun('csrf-held');
    const page = await browser.newPage();
    await page.goto(`${evilBase}/?run=${encodeURIComponent(runId)}`);
    await page.waitForFunction("document.title === 'done'", undefined, { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 1_000)); // the form post lands in its iframe
    await page.close();
    const s = await statusOf(runId);
    assert.equal(s.state, 'held', 'the run is still held: nothing was skipped, retried or cancelled');
    assert.equal(s.steps.find((x) => x.id === 'tests')?.state, 'failed');
    const listed = await json(apiServer.base, 'GET', '/api/runs?plan=csrf-x');
    assert.deepEqual((listed.json as { runs: unknown[] }).runs, [], 'no run was started');
  });

  it('raw requests: body-less or non-JSON state changes are 415, a foreign Origin is 403, the same origin works', async () => {
    const runId = await heldRun('csrf-raw');
    const skip = `/api/runs/${runId}/steps/tests/skip`;
    const bodyless = await raw(apiServer.base, 'POST', skip);
    assert.equal(bodyless.status, 415, bodyless.text);
    const form = await raw(apiServer.base, 'POST', `/api/runs/${runId}/cancel`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
    });
    assert.equal(form.status, 415, form.text);
    const foreign = await json(apiServer.base, 'POST', skip, {}, undefined, { origin: 'http://evil.example' });
    assert.equal(foreign.status, 403, foreign.text);
    assert.match((foreign.json as { error: string }).error, /cross-origin/);
    const nullOrigin = await json(apiServer.base, 'POST', skip, {}, undefined, { origin: 'null' });
    assert.equal(nullOrigin.status, 403);
    const crossSite = await json(apiServer.base, 'POST', skip, {}, undefined, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    assert.equal((await statusOf(runId)).state, 'held');
    const own = await json(apiServer.base, 'POST', skip, {}, undefined, { origin: apiServer.base });
    assert.equal(own.status, 200, own.text);
  });
});

describe('row 2: DNS rebinding', () => {
  it('a page whose name rebinds to 127.0.0.1 gets 403 for everything (Chromium)', async () => {
    const port = new URL(apiServer.base).port;
    const rebound = `http://${REBIND_HOST}:${port}`;
    const page = await browser.newPage();
    // After the rebind, the attacker's origin (its name, the API's port) resolves to 127.0.0.1:
    // whatever its page sends to its own origin reaches the API, with its own name as Host.
    await page.goto(`${rebound}/`);
    const answers = await page.evaluate(async () => {
      const start = await fetch('/api/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          plan: { id: 'rebind-x', steps: [{ id: 'a', run: { kind: 'shell', script: 'id > /tmp/phasegate-rebind' } }] },
        }),
      });
      const list = await fetch('/api/runs');
      return [start.status, list.status];
    });
    await page.close();
    assert.deepEqual(answers, [403, 403]);
  });

  it('raw requests with a foreign Host are 403; loopback names and PHASEGATE_ALLOWED_HOSTS are answered', async () => {
    const port = new URL(apiServer.base).port;
    const start = await json(
      apiServer.base,
      'POST',
      '/api/runs',
      { plan: { id: 'rebind-raw', steps: [{ id: 'a', run: { kind: 'simulate' } }] } },
      undefined,
      { host: `rebind.evil.example:${port}` },
    );
    assert.equal(start.status, 403, start.text);
    assert.match((start.json as { error: string }).error, /host .* is not allowed/);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      assert.equal((await raw(apiServer.base, 'GET', '/api/plans', { headers: { host } })).status, 200, host);
    }
    const page = await raw(apiServer.base, 'GET', '/', { headers: { host: `rebind.evil.example:${port}` } });
    assert.equal(page.status, 403, 'the pages too');
    const allowed = await serveApi(env, worker.taskQueue, { allowedHosts: ['phasegate.internal'] });
    try {
      assert.equal(
        (await raw(allowed.base, 'GET', '/api/plans', { headers: { host: 'phasegate.internal' } })).status,
        200,
      );
      assert.equal((await raw(allowed.base, 'GET', '/api/plans', { headers: { host: 'other.internal' } })).status, 403);
    } finally {
      await allowed.close();
    }
  });
});

describe('the approvals page keeps working', () => {
  it('without JavaScript, its vote form posts (same origin only) and the vote counts', async () => {
    const started = await json(apiServer.base, 'POST', '/api/runs', {
      plan: {
        id: 'csrf-nojs',
        steps: [
          { id: 'build', run: { kind: 'simulate' } },
          { id: 'gate', gate: { needs: ['build'], approval: { approvers: ['alice'] } } },
        ],
      },
    });
    const runId = (started.json as { runId: string }).runId;
    await waitForStatus(env.client.workflow.getHandle(runId), (s) => s.gates[0]?.state === 'awaiting-approval', 60_000);
    const foreign = await raw(apiServer.base, 'POST', `/runs/${runId}/decisions`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: 'gate=gate&decision=go&approver=alice',
    });
    assert.equal(foreign.status, 403, 'a form post from another origin is refused');
    const noOrigin = await raw(apiServer.base, 'POST', `/runs/${runId}/decisions`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'gate=gate&decision=go&approver=alice',
    });
    assert.equal(noOrigin.status, 403, 'a form post without Origin is refused');
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${apiServer.base}/`);
    const form = page.locator(`form.vote-form[data-run="${runId}"]`);
    await form.locator('input[name="approver"]').fill('alice');
    await form.locator('textarea[name="comment"]').fill('no script needed');
    await form.locator('button[value="go"]').click();
    await page.waitForSelector('.notice-ok', { timeout: 30_000 });
    assert.match((await page.textContent('.notice-ok')) ?? '', /Your go vote on gate gate counted/);
    await context.close();
    const s = await waitForStatus(env.client.workflow.getHandle(runId), (x) => x.gates[0]?.state === 'go', 30_000);
    assert.equal(s.gates[0]?.votes[0]?.comment, 'no script needed');
  });

  it('votes from the page itself (same origin, JSON) count, and it is served with helmet headers', async () => {
    const started = await json(apiServer.base, 'POST', '/api/runs', {
      plan: {
        id: 'csrf-page',
        steps: [
          { id: 'build', run: { kind: 'simulate' } },
          { id: 'gate', gate: { needs: ['build'], approval: { approvers: ['alice'] } } },
        ],
      },
    });
    const runId = (started.json as { runId: string }).runId;
    await waitForStatus(env.client.workflow.getHandle(runId), (s) => s.gates[0]?.state === 'awaiting-approval', 60_000);
    const home = await raw(apiServer.base, 'GET', '/');
    assert.match(String(home.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(home.headers['x-content-type-options'], 'nosniff');
    assert.ok(home.headers['cross-origin-opener-policy'], 'helmet headers are set');
    const page = await browser.newPage();
    await page.goto(`${apiServer.base}/`);
    await page.fill('#approver', 'alice');
    await page.click(`form.vote-form[data-run="${runId}"] button[value="go"]`);
    await page.waitForSelector('.answer.ok', { timeout: 30_000 });
    await page.close();
    const s = await waitForStatus(env.client.workflow.getHandle(runId), (x) => x.gates[0]?.state === 'go', 30_000);
    assert.equal(s.gates[0]?.votes[0]?.approver, 'alice');
  });
});
