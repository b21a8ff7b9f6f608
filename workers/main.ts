/**
 * The worker process: `tsx workers/main.ts`. Connects to Temporal (env validated at boot), runs
 * until SIGINT/SIGTERM, then drains and exits.
 */
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { loadEnvOrExit } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal';
import { createPhaseWorker } from './worker';

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  // The SDK is chatty at INFO (it prints the whole webpack report): show its INFO only when debugging.
  const sdkLevel: LogLevel = env.LOG_LEVEL === 'debug' ? 'DEBUG' : env.LOG_LEVEL === 'error' ? 'ERROR' : 'WARN';
  Runtime.install({ logger: new DefaultLogger(sdkLevel) });
  const connection = await NativeConnection.connect(temporalConnectionOptions(env));
  const worker = await createPhaseWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    activities: { webhookUrl: env.PHASEGATE_WEBHOOK_URL },
  });
  console.log(`[worker] polling task queue "${env.TEMPORAL_TASK_QUEUE}" on ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE})`);
  // Worker.run() installs SIGINT/SIGTERM handlers that shut the worker down gracefully.
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error('[worker] fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
