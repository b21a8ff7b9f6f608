/**
 * The approvals page and the run page in Chromium, against a real dev server, worker and API:
 * - with tokens, the pages are data-free shells until a valid token is given;
 * - (b) Go with a comment, signed in with tokens: the vote shows with approver and comment, a
 *   repeated vote gets the API's 409 inline, a second approver's Go (by keyboard) moves the run
 *   past its gate; checked on the page and through the API;
 * - (c) No-go without tokens (approver name field): the run rolls back and the run page shows
 *   outcome `rejected` with the compensations.
 * Plan titles and comments carry markup, which must show as text and never run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { TokenStore } from '../../client/api/auth';
import { BUNDLED_PLANS_DIR, loadPlanCatalog } from '../../client/plans';
import type { PhasePlan } from '../../workflows/plan/schema';
import type { GateStatus, RunStatus } from '../../workflows/status';
import { until } from '../helpers/processes';
import { createTestEnv, startWorker, type TestWorker } from '../helpers/temporal';
import { api, launchBrowser, openPage, phasePlan, shot, startApi, startParkedRun, type TestApi } from './harness';

const ALICE = 'tok-alice-5d1e0b';
const BOB = 'tok-bob-97c3a4';
const TOKENS = new TokenStore({
  [ALICE]: { identity: 'alice', roles: ['approver'] },
  [BOB]: { identity: 'bob', roles: ['approver'] },
});

/** Markup in user data: it must render as text. The `onerror` would set a global if it ever ran. */
const XSS_TITLE = 'Release <img src=x onerror="window.__xss=1"> & "friends"';
const XSS_COMMENT = 'Ship it — <b>tested</b> on staging <script>window.__xss=2</script>';

/** Short simulate tasks with rollbacks; a gate with one passing and one failing check (decided by people: `ask`) and a quorum of 2. */
const RELEASE_PLAN = phasePlan({
  id: 'browser-release',
  title: XSS_TITLE,
  steps: [
    {
      id: 'build',
      title: 'Build <b>artifacts</b>',
      agent: 'ci',
      run: { kind: 'simulate', duration: '300ms', metrics: { tests_passed_ratio: 0.98, warnings: 3 } },
      rollback: { kind: 'simulate', duration: '200ms' },
      metrics: { tests_passed_ratio: {}, warnings: {} },
    },
    {
      id: 'deploy-staging',
      agent: 'deployer',
      needs: ['build'],
      run: { kind: 'simulate', duration: '300ms', metrics: { healthy: true } },
      rollback: { kind: 'simulate', duration: '200ms' },
      metrics: { healthy: {} },
    },
    {
      id: 'release-gate',
      title: 'Ship it?',
      gate: {
        needs: ['deploy-staging'],
        checks: [
          { metric: 'build.tests_passed_ratio', op: '>=', value: 0.95 },
          { metric: 'build.warnings', op: '<', value: 2 },
        ],
        onCheckFailure: 'ask',
        approval: { approvers: ['alice', 'bob', 'carol'], quorum: 2 },
      },
    },
    { id: 'publish', agent: 'ci', needs: ['release-gate'], run: { kind: 'simulate', duration: '300ms' } },
  ],
});

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let secured: TestApi;
let open: TestApi;
let browser: Browser;

before(async () => {
  env = await createTestEnv();
  worker = await startWorker(env);
  secured = await startApi(env.client, worker.taskQueue, { tokens: TOKENS });
  open = await startApi(env.client, worker.taskQueue);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await secured?.close();
  await open?.close();
  await worker?.stop();
  await env?.teardown();
});

/** Waits until the API's approvals list (visibility) shows the run, so the page will too. */
async function awaitListed(base: string, runId: string, token?: string): Promise<void> {
  await until(
    async () => {
      const r = await api<{ runs: { runId: string }[] }>(
        base,
        '/api/runs?awaitingApproval=true',
        token ? { token } : {},
      );
      return r.status === 200 && r.body.runs.some((x) => x.runId === runId);
    },
    30_000,
    `run ${runId} listed as awaiting approval`,
  );
}

function card(page: Page, runId: string) {
  return page.locator(`article.run-card[data-run="${runId}"]`);
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('approvals page', { timeout: 150_000 }, () => {
  let release: RunStatus;

  before(async () => {
    ({ status: release } = await startParkedRun(env.client, RELEASE_PLAN, worker.taskQueue));
    await awaitListed(secured.base, release.runId, ALICE);
  });

  it('with tokens configured, pages are shells without run data until a valid token is given', async () => {
    for (const path of ['/', '/runs', `/runs/${release.runId}`]) {
      const res = await fetch(`${secured.base}${path}`);
      const text = await res.text();
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.ok(
        !text.includes('Ship it?') && !text.includes('friends') && !text.includes('deploy-staging'),
        `${path} leaks run data without a token`,
      );
      assert.match(text, /API token/);
    }
    for (const path of ['/fragments/approvals', '/fragments/runs', `/fragments/runs/${release.runId}`]) {
      assert.equal((await api(secured.base, path)).status, 401, `${path} without a token`);
      assert.equal((await api(secured.base, path, { token: 'not-a-token' })).status, 401, `${path} with a wrong token`);
      const ok = await api<string>(secured.base, path, { token: ALICE });
      assert.equal(ok.status, 200, path);
    }
    const { page, problems } = await openPage(browser);
    await page.goto(`${secured.base}/`);
    await page.getByText('Sign in with your API token').waitFor();
    assert.equal(await page.locator('article.run-card').count(), 0);
    await signIn(page, 'not-a-token');
    await page.getByText('That token was not accepted').waitFor();
    assert.deepEqual(problems.list, []);
    await page.context().close();
  });

  it('(b) Go with a comment: the vote shows with approver and comment, a repeat is refused inline, the quorum moves the run on', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(`${secured.base}/`);
    await signIn(page, ALICE);
    await page.getByText('Signed in as alice').waitFor();
    assert.equal(await page.getByLabel('API token').isVisible(), false, 'the sign-in form hides once signed in');
    const c = card(page, release.runId);
    await c.waitFor();

    // User data is text: the title's markup is shown, not run.
    await assert.doesNotReject(c.getByRole('heading', { name: XSS_TITLE }).waitFor());
    assert.equal(await c.locator('img').count(), 0);

    // Checks: pass/fail with actual against threshold; the quorum so far.
    const failing = c.locator('table.checks tr.fail');
    assert.equal(await failing.count(), 1);
    assert.match(await failing.innerText(), /fail[\s\S]*build\.warnings[\s\S]*3[\s\S]*< 2/);
    assert.match(
      await c.locator('table.checks tr.pass').innerText(),
      /pass[\s\S]*build\.tests_passed_ratio[\s\S]*0\.98[\s\S]*>= 0\.95/,
    );
    assert.equal((await c.locator('.go-count').innerText()).trim(), '0 of 2');

    // alice: Go with a comment.
    const form = c.locator('form.vote-form');
    await form.getByLabel('Comment').fill(XSS_COMMENT);
    await form.getByRole('button', { name: /^Go/ }).click();
    await form.locator('.answer').getByText('Your go vote counted').waitFor();
    assert.match(await form.locator('.answer').innerText(), /1 of 2 go votes/);
    const aliceVote = c.locator('.vote[data-approver="alice"]');
    await aliceVote.waitFor();
    assert.equal(await aliceVote.locator('.comment').innerText(), XSS_COMMENT);
    assert.match(await aliceVote.innerText(), /alice\s+voted\s+✔ go/);

    // alice again: the API's 409 is shown next to the form.
    await form.getByRole('button', { name: /^Go/ }).click();
    await form.locator('.answer').getByText('already voted').waitFor();
    assert.match(
      await form.locator('.answer').innerText(),
      /Not counted — HTTP 409: "alice" has already voted on gate "release-gate"/,
    );

    // bob, by keyboard only: comment, Tab to Go, Enter.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, BOB);
    await page.getByText('Signed in as bob').waitFor();
    await card(page, release.runId).locator('form.vote-form').getByLabel('Comment').focus();
    await page.keyboard.type('Second go, from the keyboard');
    await page.keyboard.press('Tab');
    assert.match(await page.evaluate<string>("document.activeElement?.textContent ?? ''"), /^Go on gate release-gate/);
    await page.keyboard.press('Enter');
    await page.locator('#notice').getByText('Your go vote counted').waitFor();
    assert.match(
      await page.locator('#notice').innerText(),
      /Gate release-gate is now go \(2 of 2 go votes\)\. The run has moved on; see run/,
    );
    await card(page, release.runId).waitFor({ state: 'detached' });

    // The API agrees.
    const status = await api<RunStatus>(secured.base, `/api/runs/${release.runId}`, { token: BOB });
    const gate = status.body.gates[0] as GateStatus;
    assert.equal(gate.state, 'go');
    assert.deepEqual(
      gate.votes.map((v) => [v.approver, v.decision, v.comment]),
      [
        ['alice', 'go', XSS_COMMENT],
        ['bob', 'go', 'Second go, from the keyboard'],
      ],
    );

    // The run page (reached from the notice's link) shows the votes and the run finishing.
    await page.locator('#notice a').click();
    await page.waitForURL(`**/runs/${release.runId}`);
    await page.locator('.run-outcome').getByText('succeeded').waitFor();
    const gateSection = page.locator('#gates section.gate[data-gate="release-gate"]');
    assert.equal(await gateSection.locator('.vote[data-approver="alice"] .comment').innerText(), XSS_COMMENT);
    await gateSection.locator('.vote[data-approver="bob"]').getByText('Second go, from the keyboard').waitFor();
    assert.equal(await page.locator('.node[data-step="publish"]').getAttribute('data-state'), 'succeeded');
    assert.equal(
      await page.locator('#temporal-link').getAttribute('href'),
      `http://localhost:8233/namespaces/default/workflows/${release.runId}`,
    );
    assert.equal(await page.evaluate<string>('typeof window.__xss'), 'undefined', 'injected markup ran');
    assert.deepEqual(problems.list, []);
    await page.context().close();
  });

  it('(c) No-go without tokens: the run rolls back and its page shows outcome rejected and the compensations', async () => {
    const catalog = await loadPlanCatalog(BUNDLED_PLANS_DIR);
    const plan = catalog.plans.get('phase-7-release') as PhasePlan;
    const { status: run } = await startParkedRun(env.client, plan, worker.taskQueue);
    await awaitListed(open.base, run.runId);

    const { page, problems } = await openPage(browser);
    await page.goto(`${open.base}/`);
    const c = card(page, run.runId);
    await c.waitFor();
    assert.equal(await c.locator('table.checks tr.pass').count(), 11);
    const form = c.locator('form.vote-form');

    // Without a name the vote is not sent; with a name not on the list, the API's 403 shows.
    await form.getByRole('button', { name: /^Go/ }).click();
    await form.locator('.answer').getByText('Type your name').waitFor();
    await page.getByLabel('Your name (approver)').fill('mallory');
    await form.getByRole('button', { name: /^Go/ }).click();
    await form.locator('.answer').getByText('HTTP 403').waitFor();
    assert.match(await form.locator('.answer').innerText(), /"mallory" is not an approver of gate "release-gate"/);

    await page.getByLabel('Your name (approver)').fill('release-manager');
    await shot(page, 'approvals-page');
    const { page: phone } = await openPage(browser, { width: 390, height: 844 });
    await phone.goto(`${open.base}/`);
    await phone.getByLabel('Your name (approver)').fill('release-manager');
    await card(phone, run.runId).waitFor();
    await shot(phone, 'approvals-page-phone');
    await phone.context().close();

    await form.getByLabel('Comment').fill('Staging smoke tests failed: roll back.');
    page.once('dialog', (d) => void d.accept());
    await form.getByRole('button', { name: /^No-go/ }).click();
    await page.locator('#notice').getByText('Your no-go vote counted').waitFor();

    await page.locator('#notice a').click();
    await page.waitForURL(`**/runs/${run.runId}`);
    await page.locator('.run-outcome').getByText('rejected').waitFor({ timeout: 60_000 });
    const compensated = ['build-infra', 'config-system', 'code-quality', 'release-prep'];
    const rows = page.locator('table.compensations tbody tr');
    assert.equal(await rows.count(), compensated.length);
    assert.deepEqual([...(await rows.locator('th').allInnerTexts())].sort(), [...compensated].sort());
    for (const step of compensated)
      assert.equal(await page.locator(`.node[data-step="${step}"]`).getAttribute('data-state'), 'compensated');
    assert.equal(await page.locator('.node[data-step="release-gate"]').getAttribute('data-state'), 'no-go');
    await page
      .locator('.vote[data-approver="release-manager"]')
      .getByText('Staging smoke tests failed: roll back.')
      .waitFor();
    await shot(page, 'run-page-after-rollback');

    // The runs list shows it rejected too.
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.locator(`tr[data-run="${run.runId}"]`).getByText('rejected').waitFor();

    const status = await api<RunStatus>(open.base, `/api/runs/${run.runId}`);
    assert.equal(status.body.outcome, 'rejected');
    assert.deepEqual(status.body.compensations.map((x) => x.step).sort(), [...compensated].sort());
    assert.deepEqual(problems.list, []);
    await page.context().close();
  });
});
