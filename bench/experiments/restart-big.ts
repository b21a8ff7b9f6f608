/**
 * Experiment (not part of `npm run bench`): can a big run survive a worker restart? Starts the
 * 2,000-step plan, shuts the worker down once `STOP_AT` steps (default 1,600) have succeeded,
 * starts a fresh worker (empty cache: it must replay the whole history inside one workflow task),
 * and watches for up to `WATCH_S` seconds (default 120): steps done, and the
 * WorkflowTaskTimedOut / WorkflowTaskFailed events that a too-slow replay produces.
 * Run: `npx tsx bench/experiments/restart-big.ts`.
 */
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, DefaultLogger, type Worker } from '@temporalio/worker';
import { startRun } from '../../client/runs';
import { createPhaseWorker } from '../../workers/worker';
import { createTestEnv } from '../../test/helpers/temporal';
import { statusQuery } from '../../workflows/messages';
import { bigPlan } from '../lib/plans';
import { delay } from '../lib/stats';

async function main(): Promise<void> {
  const stopAt = Number(process.env.STOP_AT ?? 1600);
  const watchS = Number(process.env.WATCH_S ?? 120);
  const env = await createTestEnv();
  const taskQueue = `exp-${randomUUID()}`;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const start = async (): Promise<{ worker: Worker; running: Promise<void> }> => {
    const worker = await createPhaseWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle,
    });
    return { worker, running: worker.run() };
  };
  try {
    let w = await start();
    const handle = await startRun(env.client, bigPlan(), { taskQueue, runId: `exp-big-${randomUUID()}` });
    const t0 = performance.now();
    for (;;) {
      const s = await handle.query(statusQuery);
      const done = s.steps.filter((x) => x.state === 'succeeded').length;
      if (done >= stopAt) {
        console.log(`${done} steps done after ${Math.round((performance.now() - t0) / 1000)} s: restarting the worker`);
        break;
      }
      await delay(500);
    }
    w.worker.shutdown();
    await w.running;
    w = await start();
    const r0 = performance.now();
    let finished = false;
    void handle.result().then(
      () => (finished = true),
      () => (finished = true),
    );
    while (!finished && performance.now() - r0 < watchS * 1000) await delay(1000);
    const events = (await handle.fetchHistory()).events ?? [];
    const timedOut = events.filter((e) => e.workflowTaskTimedOutEventAttributes).length;
    const failed = events.filter((e) => e.workflowTaskFailedEventAttributes).length;
    console.log(
      finished
        ? `run finished ${Math.round((performance.now() - r0) / 1000)} s after the restart; workflow task timeouts: ${timedOut}, failures: ${failed}`
        : `run NOT finished ${watchS} s after the restart; workflow task timeouts so far: ${timedOut}, failures: ${failed}; history ${events.length} events`,
    );
    await handle.terminate('experiment over').catch(() => undefined);
    w.worker.shutdown();
    await w.running;
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
