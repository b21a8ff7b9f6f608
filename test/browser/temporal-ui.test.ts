/**
 * (a) The Temporal UI tells a run's story: a dev server with the UI, a worker, the bundled
 * `phase-7-release` plan parked at its gate. Reached through the run page's "Open in the Temporal
 * UI" link, the workflow page shows the summary (plan and title) and the live markdown table as
 * current details on its User Metadata tab, and activity summaries naming step and agent in its
 * history; the runs list filters on Phasegate's search attributes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Frame, Page } from 'playwright-core';
import { BUNDLED_PLANS_DIR, loadPlanCatalog } from '../../client/plans';
import type { PhasePlan } from '../../workflows/plan/schema';
import type { RunStatus } from '../../workflows/status';
import { until } from '../helpers/processes';
import { startWorker, type TestWorker } from '../helpers/temporal';
import {
  ACTION_TIMEOUT_MS,
  api,
  createUiEnv,
  launchBrowser,
  openPage,
  shot,
  startApi,
  startParkedRun,
  type TestApi,
} from './harness';

let env: TestWorkflowEnvironment;
let uiPort: number;
let worker: TestWorker;
let server: TestApi;
let browser: Browser;

before(async () => {
  ({ env, uiPort } = await createUiEnv());
  worker = await startWorker(env);
  server = await startApi(env.client, worker.taskQueue, { uiUrl: `http://localhost:${uiPort}` });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await worker?.stop();
  await env?.teardown();
});

/**
 * The UI renders markdown (summary, details, current details) in `/render` iframes; finds the one
 * whose text satisfies `test`, polling while the UI loads them.
 */
async function renderedFrame(
  page: Page,
  test: (text: string) => boolean,
  what: string,
): Promise<{ frame: Frame; text: string }> {
  let found: { frame: Frame; text: string } | undefined;
  await until(
    async () => {
      for (const frame of page.frames()) {
        if (!frame.url().includes('/render')) continue;
        const text = await frame
          .locator('body')
          .innerText({ timeout: 1_000 })
          .catch(() => '');
        if (test(text)) {
          found = { frame, text };
          return true;
        }
      }
      return false;
    },
    ACTION_TIMEOUT_MS,
    what,
  );
  return found as { frame: Frame; text: string };
}

describe('Temporal UI', { timeout: 150_000 }, () => {
  it('(a) shows the summary, the current details table, activity summaries, and filters runs by PhaseState and PhasePlan', async () => {
    const catalog = await loadPlanCatalog(BUNDLED_PLANS_DIR);
    const plan = catalog.plans.get('phase-7-release') as PhasePlan;
    // Another run parked at a gate, of another plan: the PhasePlan filter must leave it out.
    const [{ status: run }, { status: other }] = await Promise.all([
      startParkedRun(env.client, plan, worker.taskQueue),
      startParkedRun(env.client, catalog.plans.get('demo-approval') as PhasePlan, worker.taskQueue),
    ]);
    const { page } = await openPage(browser, { width: 1400, height: 1000 });

    // From the run page to the Temporal UI.
    await page.goto(`${server.base}/runs/${run.runId}`);
    const link = page.locator('#temporal-link');
    assert.equal(
      await link.getAttribute('href'),
      `http://localhost:${uiPort}/namespaces/default/workflows/${run.runId}`,
    );
    await link.click();
    await page.waitForURL(new RegExp(`/namespaces/default/workflows/${run.runId}/[^/]+/history`));

    // User Metadata: summary naming plan and title; current details = the live markdown table.
    await page.getByRole('tab', { name: /User Metadata/ }).click();
    await page.getByText('Current Details', { exact: true }).waitFor();
    const summary = await renderedFrame(
      page,
      (t) => t.includes(`Phase phase-7-release: ${plan.title}`),
      'the workflow summary',
    );
    assert.ok(summary.text.trim().startsWith('Phase phase-7-release:'), summary.text);
    const details = await renderedFrame(
      page,
      (t) => t.includes('awaiting-approval') && t.includes('release-gate'),
      'the current details table',
    );
    const table = details.frame.locator('table').first();
    await table.waitFor();
    const cells = await table.innerText();
    for (const step of plan.steps) assert.ok(cells.includes(step.id), `current details lists ${step.id}`);
    for (const agent of ['cicd-engineer', 'backend-dev', 'reviewer', 'planner', 'coordinator'])
      assert.ok(cells.includes(agent), `current details names agent ${agent}`);
    assert.match(cells, /release-gate\s+gate\s+awaiting-approval/);
    await shot(page, 'temporal-ui-user-metadata', { fullPage: false });

    // History: each activity's summary names step and agent.
    await page.getByRole('tab', { name: /History/ }).click();
    await page.getByText('build-infra · cicd-engineer · simulate · attempt 1').first().waitFor();
    await page.getByText('release-prep · planner · simulate · attempt 1').first().waitFor();

    // The runs list, filtered on search attributes.
    const query = 'PhaseState="awaiting-approval" AND PhasePlan="phase-7-release"';
    await page.goto(`http://localhost:${uiPort}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    await page.getByRole('link', { name: run.runId, exact: true }).waitFor();
    assert.equal(
      await page.getByRole('link', { name: other.runId, exact: true }).count(),
      0,
      'a demo-approval run is not listed',
    );
    await shot(page, 'temporal-ui-runs-filtered', { fullPage: false });

    // Approve through the API; the run page follows the run to its end.
    const vote = await api(server.base, `/api/runs/${run.runId}/decisions`, {
      method: 'POST',
      body: { gate: 'release-gate', decision: 'go', approver: 'cto', comment: 'All 11 checks pass: ship 2.0.0.' },
    });
    assert.equal(vote.status, 200, JSON.stringify(vote.body));
    await page.goto(`${server.base}/runs/${run.runId}`);
    await page.locator('.run-outcome').getByText('succeeded').waitFor();
    await page.locator('.vote[data-approver="cto"]').getByText('All 11 checks pass: ship 2.0.0.').waitFor();
    const final = await api<RunStatus>(server.base, `/api/runs/${run.runId}`);
    assert.equal(final.body.outcome, 'succeeded');
    await shot(page, 'run-page-after-go');
    await page.context().close();
  });
});
