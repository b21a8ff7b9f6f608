/**
 * A Phasegate schedule on the Temporal UI's Schedules page (real dev server with its UI, real
 * Chromium): created through the API, it is listed there by id with its workflow type, and its own
 * page shows the schedule's note when paused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { createApp } from '../../client/api/app';
import type { ScheduleView } from '../../client/schedules/temporal';
import { listenOnLoopback, type LoopbackServer } from '../helpers/http';
import { startWorker, type TestWorker } from '../helpers/temporal';
import { api, createUiEnv, launchBrowser, openPage, shot } from './harness';

let env: TestWorkflowEnvironment;
let uiPort: number;
let worker: TestWorker;
let http: LoopbackServer;
let browser: Browser;
let plansDir: string;

before(async () => {
  plansDir = mkdtempSync(join(tmpdir(), 'phasegate-ui-sched-'));
  writeFileSync(
    join(plansDir, 'weekly-check.json'),
    JSON.stringify({
      id: 'weekly-check',
      title: 'Weekly check',
      steps: [{ id: 'only', run: { kind: 'simulate', duration: '10ms' } }],
    }),
  );
  ({ env, uiPort } = await createUiEnv());
  worker = await startWorker(env);
  http = await listenOnLoopback(
    createApp({
      client: env.client,
      taskQueue: worker.taskQueue,
      plansDir,
      uiUrl: `http://localhost:${uiPort}`,
      logger: pino({ level: 'silent' }),
    }),
  );
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await http?.close();
  await worker?.stop();
  await env?.teardown();
  rmSync(plansDir, { recursive: true, force: true });
});

describe('Temporal UI: Schedules page', () => {
  it('lists the Phasegate schedule and shows its pause note', async () => {
    const created = await api<ScheduleView>(http.base, '/api/schedules', {
      method: 'POST',
      body: { id: 'weekly-check-mondays', plan: 'weekly-check', cron: '0 9 * * MON', timezone: 'Europe/Berlin' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const paused = await api<ScheduleView>(http.base, '/api/schedules/weekly-check-mondays/pause', {
      method: 'POST',
      body: { note: 'holiday freeze' },
    });
    assert.equal(paused.body.paused, true);
    const { page } = await openPage(browser);
    await page.goto(`http://localhost:${uiPort}/namespaces/default/schedules`);
    await page.getByText('weekly-check-mondays').first().waitFor();
    assert.match(await page.locator('body').innerText(), /phaseWorkflow/);
    await page.goto(created.body.uiUrl);
    await page.getByText('holiday freeze').first().waitFor();
    await shot(page, 'temporal-ui-schedule');
  });
});
