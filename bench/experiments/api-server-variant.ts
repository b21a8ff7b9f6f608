/**
 * An API process for experiments only (not part of `npm run bench`): the real `createPhasegateApp`
 * with one change selected by `BENCH_API_VARIANT`: `cached-catalog` reads the plans folder once
 * instead of on every request. Env: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, PORT,
 * PHASEGATE_PLANS_DIR, LOG_LEVEL.
 */
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createPhasegateApp } from '../../client/api/app';

async function main(): Promise<void> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
  const client = new Client({ connection, namespace: 'default' });
  const level = (process.env.LOG_LEVEL ?? 'info') as pino.Level;
  const { app, deps } = createPhasegateApp({
    client,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE as string,
    plansDir: process.env.PHASEGATE_PLANS_DIR as string,
    logger: pino({ level }),
  });
  if (process.env.BENCH_API_VARIANT === 'cached-catalog') {
    // Routes hold `deps` by reference, so swapping the loader here changes what every request sees.
    const once = deps.catalog();
    deps.catalog = () => once;
  }
  app.listen(Number(process.env.PORT), '127.0.0.1');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
