/**
 * The worker process: `tsx workers/main.ts`. Connects to Temporal (env validated at boot), runs
 * until SIGINT/SIGTERM, then drains and exits. Logs are JSON lines; metrics and tracing are opt-in
 * (`PHASEGATE_WORKER_METRICS`, `PHASEGATE_OTEL`, see `telemetry.ts`).
 */
import { NativeConnection, type Logger } from '@temporalio/worker';
import { loadEnvOrExit, type Env } from '../config/env';
import { temporalConnectionOptions } from '../config/temporal';
import { startTracing } from '../config/tracing';
import { installWorkerRuntime, WORKER_LOG_NAME } from './telemetry';
import { createPhaseWorker } from './worker';

let log: Logger | undefined;

/** Says which Temporal the worker failed to reach: the SDK's message names neither the setting nor the namespace. */
function connectFailure(err: unknown, env: Env): string {
  return `cannot connect to Temporal at ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE}): ${err instanceof Error ? err.message : String(err)}`;
}

async function main(): Promise<void> {
  const env = loadEnvOrExit();
  log = installWorkerRuntime(env);
  const tracing = env.PHASEGATE_OTEL ? startTracing(WORKER_LOG_NAME, env) : undefined;
  const connection = await NativeConnection.connect(temporalConnectionOptions(env)).catch((err: unknown) => {
    throw new Error(connectFailure(err, env));
  });
  const worker = await createPhaseWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    activities: {
      webhookUrl: env.PHASEGATE_WEBHOOK_URL,
      notify: {
        publicUrl: env.PHASEGATE_PUBLIC_URL,
        uiUrl: env.TEMPORAL_UI_URL,
        namespace: env.TEMPORAL_NAMESPACE,
        linkSecret: env.PHASEGATE_LINK_SECRET,
      },
    },
    cachedRuns: env.PHASEGATE_WORKER_CACHED_RUNS,
    ...(tracing ? { tracing } : {}),
  });
  log.info(
    `polling task queue "${env.TEMPORAL_TASK_QUEUE}" on ${env.TEMPORAL_ADDRESS} (namespace ${env.TEMPORAL_NAMESPACE})`,
    {
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      namespace: env.TEMPORAL_NAMESPACE,
      ...(env.PHASEGATE_WORKER_METRICS ? { metrics: `http://${env.PHASEGATE_WORKER_METRICS}/metrics` } : {}),
      tracing: env.PHASEGATE_OTEL,
    },
  );
  // Worker.run() installs SIGINT/SIGTERM handlers that shut the worker down gracefully.
  await worker.run();
  await connection.close();
  await tracing?.shutdown();
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  if (log) log.error(`fatal: ${message}`, { error: err });
  else
    console.error(
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'error',
        name: WORKER_LOG_NAME,
        msg: `fatal: ${message}`,
      }),
    );
  process.exit(1);
});
