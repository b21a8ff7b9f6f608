/**
 * The dev server + worker that most integration files need, set up once per file: call
 * {@link useTemporal} at the top of the file (or of a `describe`), then use {@link env} and
 * {@link worker} in its tests. Files that talk to the API call {@link useApi} instead, which also
 * serves the real app (`createApp`) on loopback with a plans folder of the file's own plans, at
 * {@link base} (and, with tokens, a second app at {@link securedBase}).
 *
 * The exports are live bindings (ES module exports), assigned in the `before` hook; node's test
 * runner runs each file in its own process, so files do not share them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import type { ActivityConfig } from '../../activities';
import { createApp } from '../../client/api/app';
import { TokenStore, type TokenMap } from '../../client/api/auth';
import type { AppOptions } from '../../client/api/deps';
import type { MetricsAppOptions } from '../../client/api/metrics';
import { listenOnLoopback, type LoopbackServer } from './http';
import { createTestEnv, createTimeSkippingEnv, startWorker, type TestWorker } from './temporal';

/** The file's Temporal test environment (set before its first test). */
export let env: TestWorkflowEnvironment;
/** The file's worker, on its own task queue (set before its first test; unset with `worker: false`). */
export let worker: TestWorker;

/** What {@link useTemporal} starts. */
export interface TemporalFixtureOptions {
  /** The time-skipping test server instead of the dev server: for timers of hours. */
  timeSkipping?: boolean;
  /**
   * Activity settings of the worker (webhook URL, work dir, …); a function is called in the
   * `before` hook, once the hooks registered before this one have run (a sink server's URL).
   */
  activities?: ActivityConfig | (() => ActivityConfig);
  /** `false`: the server only, for files whose workers are processes of their own. */
  worker?: boolean;
}

async function startTemporal(opts: TemporalFixtureOptions): Promise<void> {
  env = opts.timeSkipping ? await createTimeSkippingEnv() : await createTestEnv();
  if (opts.worker === false) return;
  const activities = typeof opts.activities === 'function' ? opts.activities() : opts.activities;
  worker = await startWorker(env, activities ? { activities } : {});
}

async function stopTemporal(): Promise<void> {
  await worker?.stop();
  await env?.teardown();
}

/** Registers `before`/`after` hooks that start a Temporal environment and a worker for this file (or suite) and stop them. */
export function useTemporal(opts: TemporalFixtureOptions = {}): void {
  before(() => startTemporal(opts));
  after(stopTemporal);
}

/** Settings of an app besides the client, the task queue and the plans folder, which the fixture gives. */
export type AppSettings = Omit<AppOptions & MetricsAppOptions, 'client' | 'taskQueue'>;

/** What {@link useApi} starts, on top of {@link useTemporal}'s options. */
export interface ApiFixtureOptions extends TemporalFixtureOptions {
  /** Plans the app serves, written as `<id>.json` into {@link plansDir}. */
  plans?: Record<string, object>;
  /** Serve this plans folder (e.g. BUNDLED_PLANS_DIR) instead of a fresh one with `plans`. */
  plansDir?: string;
  /** Settings of every app (uiUrl, groups, tokens, maxBody, …); a function is called once {@link tempDir} exists. */
  app?: AppSettings | (() => AppSettings);
  /** Tokens of a second app, at {@link securedBase}, beside the one at {@link base}. */
  secured?: TokenMap | TokenStore;
}

/** A scratch folder of the file, removed after it (set by {@link useApi}). */
export let tempDir: string;
/** The plans folder the file's apps serve: `<tempDir>/plans` unless {@link ApiFixtureOptions.plansDir}. */
export let plansDir: string;
/** URL of the file's app. */
export let base: string;
/** URL of the app with {@link ApiFixtureOptions.secured}'s tokens. */
export let securedBase: string;

let settings: AppSettings = {};
const servers: LoopbackServer[] = [];

/**
 * Serves another app for this file's environment (client, task queue, plans folder, a silent
 * logger, the file's app settings, then `extra`, which may name another task queue: one no worker
 * polls); it is closed after the file.
 */
export async function serveApp(extra: AppSettings & { taskQueue?: string } = {}): Promise<LoopbackServer> {
  const app = createApp({
    client: env.client,
    taskQueue: worker.taskQueue,
    plansDir,
    logger: pino({ level: 'silent' }),
    ...settings,
    ...extra,
  });
  const server = await listenOnLoopback(app);
  servers.push(server);
  return server;
}

/**
 * Registers the hooks of {@link useTemporal} and, after them, serves the app at {@link base} (and
 * {@link securedBase} with `secured`); the apps close before the worker and the server stop.
 */
export function useApi(opts: ApiFixtureOptions = {}): void {
  before(async () => {
    tempDir = mkdtempSync(join(tmpdir(), 'phasegate-test-'));
    plansDir = opts.plansDir ?? join(tempDir, 'plans');
    if (!opts.plansDir) mkdirSync(plansDir);
    for (const [id, plan] of Object.entries(opts.plans ?? {}))
      writeFileSync(join(plansDir, `${id}.json`), JSON.stringify(plan));
    settings = (typeof opts.app === 'function' ? opts.app() : opts.app) ?? {};
    await startTemporal(opts);
    ({ base } = await serveApp());
    if (opts.secured) {
      const tokens = opts.secured instanceof TokenStore ? opts.secured : new TokenStore(opts.secured);
      ({ base: securedBase } = await serveApp({ tokens }));
    }
  });
  after(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await stopTemporal();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  });
}
