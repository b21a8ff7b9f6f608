/**
 * A worker process for the scale sections: `createPhaseWorker` (the deployed worker's settings,
 * cache size from `PHASEGATE_WORKER_CACHED_RUNS`) with the benchmark bundle, which holds the
 * baseline workflows besides Phasegate's, so both sides are measured in identical processes.
 * Prints "polling task queue" once it polls. Env: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadEnvOrExit } from '../../config/env';
import { createPhaseWorker } from '../../workers/worker';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = await createPhaseWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    cachedRuns: env.PHASEGATE_WORKER_CACHED_RUNS,
    overrides: { workflowsPath: require.resolve('../workflows') },
  });
  console.log(`polling task queue ${env.TEMPORAL_TASK_QUEUE}`);
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
