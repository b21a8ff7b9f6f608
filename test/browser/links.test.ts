/**
 * Approve by link and a group gate, in real Chromium against a real dev server, worker and API:
 * - the `approval-requested` notification (received on a loopback webhook) carries one signed
 *   link per approver, groups resolved to people; opening one shows the gate, its checks and
 *   votes and changes nothing; the plain form POST (no JavaScript needed) counts the vote as the
 *   link's approver, `via: link`;
 * - the same link again is a 409 page; a tampered one 403, an expired one 410, one for a gate the
 *   run does not have 404;
 * - on the approvals page a group gate names its members; a non-member is refused, a member counts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import type { NotificationBody } from '../../activities/notify-body';
import { createApp } from '../../client/api/app';
import { signLink } from '../../config/approval-links';
import type { RunStatus } from '../../workflows/status';
import { listenOnLoopback, type LoopbackServer } from '../helpers/http';
import { createTestEnv, startWorker, type TestWorker } from '../helpers/temporal';
import { api, launchBrowser, openPage, shot } from './harness';

const SECRET = 'browser-link-secret-0123456789abcdef';
let env: TestWorkflowEnvironment;
let worker: TestWorker;
let http: LoopbackServer;
let hook: Server;
let browser: Browser;
let notes: NotificationBody[] = [];

const plan = (id: string) => ({
  id,
  title: 'Weekly go/no-go',
  steps: [
    {
      id: 'build',
      run: { kind: 'simulate', duration: '100ms', metrics: { tests_passed_ratio: 0.98 } },
      metrics: { tests_passed_ratio: {} },
    },
    {
      id: 'release',
      title: 'Ship this week?',
      gate: {
        needs: ['build'],
        checks: [{ metric: 'build.tests_passed_ratio', op: '>=', value: 0.95 }],
        approval: { approvers: ['cto', 'group:release'], timeout: '2d' },
      },
    },
  ],
});

before(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      notes.push(JSON.parse(body) as NotificationBody);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  env = await createTestEnv();
  // The API first: the worker's links point at it.
  const app = createApp({
    client: env.client,
    taskQueue: 'links-browser',
    logger: pino({ level: 'silent' }),
    groups: { release: ['alice', 'bob'] },
    linkSecret: SECRET,
  });
  http = await listenOnLoopback(app);
  worker = await startWorker(env, {
    taskQueue: 'links-browser',
    activities: {
      webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
      notify: { publicUrl: http.base, linkSecret: SECRET },
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await http?.close();
  await worker?.stop();
  await env?.teardown();
  hook?.close();
});

async function startAndGetRequest(planId: string): Promise<{ runId: string; note: NotificationBody }> {
  const started = await api<{ runId: string }>(http.base, '/api/runs', {
    method: 'POST',
    body: { plan: plan(planId) },
  });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const runId = started.body.runId;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const note = notes.find((n) => n.runId === runId && n.event === 'approval-requested');
    if (note) return { runId, note };
    if (Date.now() > deadline) throw new Error('no approval-requested notification');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('approve by link (Chromium)', () => {
  it('a link shows the gate and changes nothing; its form counts one vote via link; reused, tampered, expired and wrong-gate links get 4xx pages', async () => {
    notes = [];
    const { runId, note } = await startAndGetRequest('link-flow');
    assert.deepEqual(note.gate?.approversResolved, ['alice', 'bob', 'cto']);
    const alice = note.links.approve?.find((l) => l.approver === 'alice');
    assert.ok(alice, JSON.stringify(note.links));
    const { page, problems } = await openPage(browser, { width: 1100, height: 900 });

    const shown = await page.goto(alice.url);
    assert.equal(shown?.status(), 200);
    await page.getByRole('heading', { name: /Gate release/ }).waitFor();
    assert.match(await page.locator('main').innerText(), /You decide as alice/);
    assert.match(await page.locator('main').innerText(), /group:release \(alice, bob\)/);
    assert.match(await page.locator('table.checks').innerText(), /build\.tests_passed_ratio/);
    // Looking changed nothing.
    const before = await api<RunStatus>(http.base, `/api/runs/${runId}`);
    assert.deepEqual(before.body.gates[0]?.votes, []);
    await page.getByLabel(/Comment/).fill('CI green, staging healthy');
    await shot(page, 'approval-link-page');

    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByText('Vote counted').first().waitFor();
    assert.match(
      await page.locator('main').innerText(),
      /Your go vote on gate release was counted\. The gate is now . go/,
    );
    const after = await api<RunStatus>(http.base, `/api/runs/${runId}`);
    const vote = after.body.gates[0]?.votes[0];
    assert.deepEqual(
      [vote?.approver, vote?.decision, vote?.comment, vote?.via],
      ['alice', 'go', 'CI green, staging healthy', 'link'],
    );

    const reused = await page.goto(alice.url);
    assert.equal(reused?.status(), 409);
    assert.match(await page.locator('main').innerText(), /This link was already used/);

    const token = alice.url.split('/links/')[1] as string;
    const flipped = `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`;
    const tampered = await page.goto(`${http.base}/links/${flipped}`);
    assert.equal(tampered?.status(), 403);
    assert.match(await page.locator('main').innerText(), /not valid: it was altered or not issued by this Phasegate/);

    const expired = await page.goto(
      `${http.base}/links/${signLink(SECRET, { run: runId, gate: 'release', approver: 'bob', exp: Math.floor(Date.now() / 1000) - 60 })}`,
    );
    assert.equal(expired?.status(), 410);
    assert.match(await page.locator('h1').innerText(), /This link has expired/);

    const wrongGate = await page.goto(
      `${http.base}/links/${signLink(SECRET, { run: runId, gate: 'deploy', approver: 'bob', exp: Math.floor(Date.now() / 1000) + 600 })}`,
    );
    assert.equal(wrongGate?.status(), 404);
    assert.match(await page.locator('main').innerText(), /has no gate "deploy"/);
    // The 4xx pages above are answers, not problems; anything else logged (a CSP violation) is.
    assert.deepEqual(
      problems.list.filter((p) => !/Failed to load resource: .*status of 4\d\d/.test(p)),
      [],
    );
  });

  it('the approvals page resolves a group gate to people; a non-member is refused, a member counts', async () => {
    notes = [];
    const { runId } = await startAndGetRequest('group-gate');
    const { page, problems } = await openPage(browser);
    await page.goto(`${http.base}/`);
    const section = page
      .locator(`section.gate[data-gate="release"]`)
      .filter({ has: page.locator(`form[data-run="${runId}"]`) });
    await section.waitFor();
    // No auto-refresh while typing and voting: a refresh re-renders the form under the click.
    await page.locator('#auto-refresh').uncheck();
    assert.match(await section.locator('.quorum').innerText(), /cto, group:release \(alice, bob\)/);
    const form = section.locator('form.vote-form');
    await page.getByLabel('Your name (approver)').fill('mallory');
    await form.getByRole('button', { name: /^Go/ }).click();
    await form.locator('.answer').getByText('HTTP 403').waitFor();
    assert.match(
      await form.locator('.answer').innerText(),
      /"mallory" is not an approver of gate "release" \(approvers: cto, group:release \(alice, bob\)\)/,
    );
    await page.getByLabel('Your name (approver)').fill('bob');
    await form.getByRole('button', { name: /^Go/ }).click();
    // The answer shows beside the form, or above the list once the decided gate has left it (the page reloads).
    await page.getByText('Your go vote counted').first().waitFor();
    const status = await api<RunStatus>(http.base, `/api/runs/${runId}`);
    assert.equal(status.body.gates[0]?.votes[0]?.approver, 'bob');
    assert.deepEqual(problems.list, []);
  });
});
