/**
 * The dev server + worker that most integration files need, set up once per file: call
 * {@link useTemporal} at the top of the file, then use {@link env} and {@link worker} in its tests.
 * `env` and `worker` are live bindings (ES module exports), assigned in the `before` hook; node's
 * test runner runs each file in its own process, so files do not share them.
 */
import { after, before } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ActivityConfig } from '../../activities';
import { createTestEnv, createTimeSkippingEnv, startWorker, type TestWorker } from './temporal';

/** The file's Temporal test environment (set before its first test). */
export let env: TestWorkflowEnvironment;
/** The file's worker, on its own task queue (set before its first test). */
export let worker: TestWorker;

/** What {@link useTemporal} starts. */
export interface TemporalFixtureOptions {
  /** The time-skipping test server instead of the dev server: for timers of hours. */
  timeSkipping?: boolean;
  /** Activity settings of the worker (webhook URL, work dir, …). */
  activities?: ActivityConfig;
}

/** Registers `before`/`after` hooks that start a Temporal environment and a worker for this file and stop them. */
export function useTemporal(opts: TemporalFixtureOptions = {}): void {
  before(async () => {
    env = opts.timeSkipping ? await createTimeSkippingEnv() : await createTestEnv();
    worker = await startWorker(env, opts.activities ? { activities: opts.activities } : {});
  });
  after(async () => {
    await worker?.stop();
    await env?.teardown();
  });
}
