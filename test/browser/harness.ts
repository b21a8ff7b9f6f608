/**
 * Shared pieces of the browser tests: Chromium (Debian's, driven by playwright-core), a dev server
 * with the Temporal UI, the real API on an ephemeral port, runs parked at their gate, and
 * screenshots that are written only when `PHASEGATE_SCREENSHOTS` names a folder (the
 * `npm run screenshots` script sets it), so a plain test run leaves the docs untouched.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../../client/api/app';
import type { TokenStore } from '../../client/api/auth';
import { startRun } from '../../client/runs';
import { chromiumPath } from '../../scripts/setup-browser';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import type { PhasePlan } from '../../workflows/plan/schema';
import { validatePlan } from '../../workflows/plan/validate';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { RunStatus } from '../../workflows/status';
import { freePort } from '../helpers/processes';
import { waitForStatus } from '../helpers/temporal';

/** Debian's Chromium (package `chromium`); `PHASEGATE_CHROMIUM` points elsewhere. */
export const CHROMIUM_PATH = chromiumPath();

/** Flags for a headless Chromium in a container: no sandbox (root), no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Generous per-action timeout: two cores, a dev server, a worker and a browser share the machine. */
export const ACTION_TIMEOUT_MS = 30_000;

/** Launches Chromium, or fails with the command that installs it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run \`npm run setup:browser\` (installs the Debian package "chromium") or set PHASEGATE_CHROMIUM`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Problems a page reported (uncaught errors, console errors such as CSP violations). */
export interface PageProblems {
  list: string[];
}

/** Opens a page with generous timeouts that records its errors into `problems`. */
export async function openPage(
  browser: Browser,
  opts: { width?: number; height?: number } = {},
): Promise<{ page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  const problems: PageProblems = { list: [] };
  page.on('pageerror', (err) => problems.list.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // The API's refusals (401 bad token, 403 not an approver, 409 already voted) are answers the
    // page shows, not problems; anything else logged as an error (a CSP violation, a 404, a 500) is.
    if (msg.type() === 'error' && !/Failed to load resource: .*status of 40[139]\b/.test(msg.text()))
      problems.list.push(`console: ${msg.text()}`);
  });
  return { page, problems };
}

/** Saves a screenshot as `<PHASEGATE_SCREENSHOTS>/<name>.png` when that variable is set. */
export async function shot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  const dir = process.env.PHASEGATE_SCREENSHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: opts.fullPage ?? true, animations: 'disabled' });
}

/** A dev server with the Temporal UI on a free port. */
export async function createUiEnv(): Promise<{ env: TestWorkflowEnvironment; uiPort: number }> {
  const uiPort = await freePort();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: ensureTemporalCli() },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      ui: true,
      uiPort,
    },
  });
  return { env, uiPort };
}

/** The API on 127.0.0.1 with a free port. */
export interface TestApi {
  base: string;
  close(): Promise<void>;
}

/** Serves the real app (`createApp`) for the test environment's client. */
export async function startApi(
  client: Client,
  taskQueue: string,
  opts: { tokens?: TokenStore; uiUrl?: string } = {},
): Promise<TestApi> {
  const app = createApp({
    client,
    taskQueue,
    logger: pino({ level: 'silent' }),
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
    ...(opts.uiUrl ? { uiUrl: opts.uiUrl } : {}),
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Validates a plan object (defaults applied) or throws with its problems. */
export function phasePlan(input: unknown): PhasePlan {
  const result = validatePlan(input);
  if (!result.ok) throw new Error(`invalid test plan: ${JSON.stringify(result.errors)}`);
  return result.plan as PhasePlan;
}

/** Starts a run and waits until one of its gates awaits a decision. */
export async function startParkedRun(
  client: Client,
  plan: PhasePlan,
  taskQueue: string,
): Promise<{ handle: WorkflowHandle; status: RunStatus }> {
  const handle = await startRun(client, plan, { taskQueue });
  const status = await waitForStatus(handle, (s) => s.gates.some((g) => g.state === 'awaiting-approval'), 60_000);
  return { handle, status };
}

/** GET/POST JSON against the API, with an optional token. */
export async function api<T = unknown>(
  base: string,
  path: string,
  opts: { token?: string; method?: 'GET' | 'POST'; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? 'GET',
    headers: {
      ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // HTML or empty: keep the text
  }
  return { status: res.status, body: body as T };
}
