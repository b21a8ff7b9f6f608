/**
 * Builds the Phasegate worker: the phase and program workflows plus every executor activity on one
 * task queue. No business logic here. Run more of these on the same task queue to scale out.
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityConfig } from '../activities';
import type { Tracing } from '../config/tracing';
import { workerTracingOptions } from './telemetry';

/** Options for {@link createPhaseWorker}. */
export interface PhaseWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities?: ActivityConfig | undefined;
  /** A pre-built workflow bundle (tests reuse one); default: bundle `workflows/` at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * OpenTelemetry tracing (see `telemetry.ts`). Needs the worker to bundle the workflows itself, so
   * that the tracing interceptors go into the bundle: not allowed with `workflowBundle`.
   */
  tracing?: Tracing;
  /**
   * How many runs stay in memory between their workflow tasks (the SDK's workflow cache, least
   * recently used dropped first); default {@link DEFAULT_CACHED_RUNS}. `0` disables the cache.
   */
  cachedRuns?: number;
  /** Extra worker options (identity, concurrency, ...). */
  overrides?: Partial<WorkerOptions>;
}

/**
 * Default size of the workflow cache. The SDK's own default grows with the heap limit (≈ 2,300 runs
 * with a 4 GiB heap) and so does the worker's memory: a parked run of a small plan holds ≈ 0.3 MiB,
 * so 5,000 parked runs took the worker past 1.7 GiB. A run dropped from the cache costs one replay
 * of its history when its next event comes (bench/ANALYSIS.md: evicted decisions), which parked
 * runs, waiting for hours, can well afford.
 */
export const DEFAULT_CACHED_RUNS = 1000;

/** The workflow entry module, for bundling. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Creates (does not run) a worker. Heartbeat throttling is capped at 1s so that cancellation of a
 * running task (cancel, no-go, deadline) reaches its process within about a second.
 */
export async function createPhaseWorker(opts: PhaseWorkerOptions): Promise<Worker> {
  // The SDK would only warn and drop the workflow interceptors: refuse instead of tracing half a run.
  if (opts.tracing && opts.workflowBundle)
    throw new Error('tracing needs the worker to bundle the workflows: do not pass workflowBundle');
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.activities),
    maxCachedWorkflows: opts.cachedRuns ?? DEFAULT_CACHED_RUNS,
    // The SDK refuses more concurrent workflow tasks than cached runs (a small cache lowers it).
    ...(opts.cachedRuns !== undefined && opts.cachedRuns > 1 && opts.cachedRuns < 40
      ? { maxConcurrentWorkflowTaskExecutions: opts.cachedRuns }
      : {}),
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    ...(opts.tracing ? workerTracingOptions(opts.tracing) : {}),
    ...opts.overrides,
  });
}
