/**
 * A local Temporal for tests and scripts (`record-histories`, the bench): a real dev server (the
 * pinned CLI, started by TestWorkflowEnvironment.createLocal) with Phasegate's search attributes,
 * and workers on fresh task queues sharing one workflow bundle. Tests use it through
 * test/helpers/temporal.ts; it lives here because scripts must not import tests.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap, Runtime, DefaultLogger } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ensureTemporalCli } from './temporal-cli';
import { ensureTestServer } from './temporal-test-server';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { createPhaseWorker, WORKFLOWS_PATH } from '../workers/worker';
import type { ActivityConfig } from '../activities';
import { statusQuery } from '../workflows/messages';
import type { RunStatus } from '../workflows/status';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

/** Starts a dev server on free ports with the search attributes registered; `extraArgs` go to `temporal server start-dev`. */
export async function createTestEnv(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = ensureTemporalCli();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      ui: false,
      ...(extraArgs.length ? { extraArgs } : {}),
    },
  });
}

/**
 * Starts the time-skipping test server: timers (escalations, deadlines, approval timeouts) of
 * hours pass in moments while the client awaits a result or calls `env.sleep`. Activities still
 * take real time, so plans for it wait in the workflow (gates, unclaimed agent tasks), not in
 * activities.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: ensureTestServer() } },
  });
  // The test server takes no search-attribute flags, but registers them through the operator API.
  const searchAttributes = Object.fromEntries(
    ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${k.type}`]]),
  );
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
  return env;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundle;
}

/** A running worker on its own task queue; `stop()` shuts it down and waits. */
export interface TestWorker {
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** Starts a worker on a fresh task queue (or the given one). */
export async function startWorker(
  env: TestWorkflowEnvironment,
  opts: { taskQueue?: string; activities?: ActivityConfig } = {},
): Promise<TestWorker> {
  const taskQueue = opts.taskQueue ?? `test-${randomUUID()}`;
  const worker = await createPhaseWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: opts.activities,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  return {
    taskQueue,
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** Polls the status query until `predicate` holds; fails after `timeoutMs` with the last status. */
export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (s: RunStatus) => boolean,
  timeoutMs = 30_000,
): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: RunStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      // the first workflow task may not have run yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for status; last: ${JSON.stringify(last, null, 1)?.slice(0, 4000)}`);
}

/** Waits until the run has an outcome and returns the final status. */
export function waitForOutcome(handle: WorkflowHandle, timeoutMs = 60_000): Promise<RunStatus> {
  return waitForStatus(handle, (s) => s.outcome !== null, timeoutMs);
}
