/**
 * The pages tell the truth, in Chromium against a real dev server, worker and API: an ended run's
 * page does not keep "Refresh every 2 s" ticked; the Runs list pages to older runs and back; the
 * approvals page names the program and "phase i of n" of a program's gate; the run page links to
 * the completion report.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser } from 'playwright-core';
import { startRun } from '../../client/runs';
import type { ResolvedProgramPlan } from '../../workflows/plan/schema';
import { until } from '../helpers/processes';
import { createTestEnv, startWorker, waitForOutcome, waitForStatus, type TestWorker } from '../helpers/temporal';
import { api, launchBrowser, openPage, phasePlan, startApi, type TestApi } from './harness';

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let web: TestApi;
let browser: Browser;

before(async () => {
  env = await createTestEnv();
  worker = await startWorker(env);
  web = await startApi(env.client, worker.taskQueue);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await web?.close();
  await worker?.stop();
  await env?.teardown();
});

const quick = phasePlan({ id: 'page-quick', steps: [{ id: 'only', run: { kind: 'simulate' } }] });

describe('run page of an ended run', () => {
  it('unticks and disables auto-refresh, and links to the completion report', async () => {
    const handle = await startRun(env.client, quick, { taskQueue: worker.taskQueue, runId: 'page-ended' });
    await waitForOutcome(handle);
    const { page, problems } = await openPage(browser);
    await page.goto(`${web.base}/runs/page-ended`);
    const box = page.locator('#auto-refresh');
    await until(async () => !(await box.isChecked()), 10_000, 'auto-refresh unticked');
    assert.equal(await box.isDisabled(), true);
    assert.match(await page.locator('.refresh-controls').innerText(), /Run ended: not refreshing/);
    const report = await api<string>(web.base, (await page.locator('#report-link').getAttribute('href')) ?? '');
    assert.equal(report.status, 200);
    assert.match(String(report.body), /^# Completion report/);
    assert.deepEqual(problems.list, []);
  });
});

describe('runs list', () => {
  it('pages to older runs and back to the newest', async () => {
    const handles = await Promise.all(
      Array.from({ length: 52 }, (_, i) =>
        startRun(env.client, quick, { taskQueue: worker.taskQueue, runId: `page-many-${String(i).padStart(2, '0')}` }),
      ),
    );
    await Promise.all(handles.map((h) => waitForOutcome(h)));
    await until(
      async () => ((await api<{ runs: unknown[] }>(web.base, '/api/runs?pageSize=100')).body.runs.length ?? 0) >= 53,
      30_000,
      'visibility lists the runs',
    );
    const { page, problems } = await openPage(browser);
    await page.goto(`${web.base}/runs`);
    assert.equal(await page.locator('table.runs tbody tr').count(), 50);
    await page.locator('#runs-older').click();
    await page.waitForURL(/\/runs\?page=/);
    await until(async () => (await page.locator('table.runs tbody tr').count()) >= 3, 10_000, 'older runs shown');
    assert.match(await page.locator('#runs-caption').innerText(), /older runs/);
    await page.locator('#runs-newest').click();
    await page.waitForURL(/\/runs$/);
    assert.equal(await page.locator('table.runs tbody tr').count(), 50);
    assert.deepEqual(problems.list, []);
  });
});

describe('approvals page', () => {
  it('names the program and "phase i of n" of a program phase\'s gate', async () => {
    const week = (id: string) =>
      phasePlan({
        id,
        title: `Week ${id}`,
        steps: [
          { id: 'work', run: { kind: 'simulate' } },
          { id: 'review', gate: { needs: ['work'], approval: { approvers: ['lead'] } } },
        ],
      });
    const program: ResolvedProgramPlan = {
      id: 'page-program',
      kind: 'program',
      title: 'Five weeks',
      phases: [week('wk-1'), week('wk-2')],
    };
    await startRun(env.client, program, { taskQueue: worker.taskQueue, runId: 'page-prog' });
    await waitForStatus(
      env.client.workflow.getHandle('page-prog--wk-1'),
      (s) => s.gates[0]?.state === 'awaiting-approval',
      60_000,
    );
    const { page, problems } = await openPage(browser);
    await page.goto(`${web.base}/`);
    const card = page.locator('[data-run="page-prog--wk-1"]');
    await until(
      async () => (await card.count()) > 0 || (await page.reload().then(() => false)),
      30_000,
      'the phase run on the approvals page',
    );
    assert.match(await card.locator('.program-of').innerText(), /Five weeks · phase 1 of 2/);
    assert.deepEqual(problems.list, []);
  });
});
