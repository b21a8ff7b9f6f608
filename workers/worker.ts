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
  activities?: ActivityConfig;
  /** A pre-built workflow bundle (tests reuse one); default: bundle `workflows/` at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * OpenTelemetry tracing (see `telemetry.ts`). Needs the worker to bundle the workflows itself, so
   * that the tracing interceptors go into the bundle: not allowed with `workflowBundle`.
   */
  tracing?: Tracing;
  /** Extra worker options (identity, concurrency, ...). */
  overrides?: Partial<WorkerOptions>;
}

/** The workflow entry module, for bundling. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Creates (does not run) a worker. Heartbeat throttling is capped at 1s so that cancellation of a
 * running task (cancel, no-go, deadline) reaches its process within about a second.
 */
export async function createPhaseWorker(opts: PhaseWorkerOptions): Promise<Worker> {
  // The SDK would only warn and drop the workflow interceptors: refuse instead of tracing half a run.
  if (opts.tracing && opts.workflowBundle) throw new Error('tracing needs the worker to bundle the workflows: do not pass workflowBundle');
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.activities),
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    ...(opts.tracing ? workerTracingOptions(opts.tracing) : {}),
    ...opts.overrides,
  });
}
