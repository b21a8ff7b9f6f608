/**
 * Experiment (not part of `npm run bench`): which design serves "give me the next agent task" at
 * swarm scale (issue 11). With OPEN runs (default 1,000) per design on one dev server:
 * - (a) lease index: each run keeps its open task in its memo and `AgentIndex` search attribute;
 *   list = one visibility page (memos decoded), claim = one visibility page of claimable runs +
 *   one `claimNext` Update (on 409 the next run of the page);
 * - (b) activities on a per-agent task queue: claim = `PollActivityTaskQueue`, then
 *   `RespondActivityTaskCompleted` with the task token (no listing exists in this design).
 * Claims are timed one at a time and 8 at once. Run: `npx tsx bench/experiments/agent-designs.ts`.
 */
import { randomUUID } from 'node:crypto';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { createTestEnv } from '../../test/helpers/temporal';
import { delay, mapLimit, summarize } from '../lib/stats';
import type { ExpLease } from './agent-designs/workflows';

const OPEN = Number(process.env.OPEN ?? 1000);
const CLAIMS = Number(process.env.CLAIMS ?? 200);
const say = (m: string): void => void process.stderr.write(`[agent-designs] ${m}\n`);

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const s = performance.now();
  const out = await fn();
  return [performance.now() - s, out];
}

async function main(): Promise<void> {
  const env = await createTestEnv();
  const client = env.client;
  const namespace = env.namespace ?? 'default';
  const taskQueue = `exp-${randomUUID()}`;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./agent-designs/workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace,
    taskQueue,
    workflowBundle,
    maxCachedWorkflows: 2500,
  });
  const running = worker.run();
  const out: Record<string, unknown> = { open: OPEN, claims: CLAIMS };
  try {
    say(`starting ${OPEN} runs per design`);
    const [startMs] = await timed(() =>
      mapLimit([...Array(OPEN).keys()], 16, async (i) => {
        await client.workflow.start('leaseIndexWorkflow', { taskQueue, workflowId: `a-${i}`, args: ['exp-a'] });
        await client.workflow.start('activityTaskWorkflow', { taskQueue, workflowId: `b-${i}`, args: ['exp-b'] });
      }),
    );
    say(`started in ${Math.round(startMs)} ms; waiting for visibility`);
    const claimableQuery = `AgentIndex = 'claimable:exp-a' AND ExecutionStatus = 'Running'`;
    for (;;) {
      const { count } = await client.workflowService.countWorkflowExecutions({ namespace, query: claimableQuery });
      if (Number(count) >= OPEN) break;
      await delay(500);
    }
    await delay(2000);

    // (a) list: one visibility page with memos.
    const listQuery = `WorkflowType = 'leaseIndexWorkflow' AND ExecutionStatus = 'Running'`;
    const listPage = async (pageSize: number): Promise<number> => {
      const res = await client.workflowService.listWorkflowExecutions({ namespace, query: listQuery, pageSize });
      let tasks = 0;
      for (const raw of res.executions) {
        const info = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, namespace);
        tasks += ((info.memo?.agentTasks as unknown[]) ?? []).length;
      }
      return tasks;
    };
    for (const pageSize of process.env.SKIP_LIST ? [] : [100, 1000]) {
      const raw: number[] = [];
      for (let i = 0; i < 10; i++)
        raw.push(
          (
            await timed(() => client.workflowService.listWorkflowExecutions({ namespace, query: listQuery, pageSize }))
          )[0],
        );
      out[`a.listMs.page${pageSize}.rpcOnly`] = summarize(raw);
      const samples: number[] = [];
      for (let i = 0; i < 20; i++) samples.push((await timed(() => listPage(pageSize)))[0]);
      out[`a.listMs.page${pageSize}`] = summarize(samples);
      say(`(a) list page ${pageSize}: ${JSON.stringify(out[`a.listMs.page${pageSize}`])}`);
    }

    // (a) claim: one visibility page of claimable runs, then claimNext on the first; 409 → next.
    let conflicts = 0;
    // Racing claimers start at a random one of the first 8 candidates, so they rarely collide.
    const claimA = async (): Promise<ExpLease> => {
      for (let round = 0; round < 50; round++) {
        const res = await client.workflowService.listWorkflowExecutions({
          namespace,
          query: claimableQuery,
          pageSize: 20,
        });
        const ids = res.executions.map((r) => r.execution?.workflowId as string);
        const start = Math.floor(Math.random() * Math.min(8, ids.length));
        for (const id of [...ids.slice(start), ...ids.slice(0, start)]) {
          try {
            return await client.workflow
              .getHandle(id)
              .executeUpdate<ExpLease, [{ agent: string }]>('expClaimNext', { args: [{ agent: 'exp-a' }] });
          } catch {
            conflicts++;
          }
        }
      }
      throw new Error('no claimable run found');
    };
    // (a2) the same, but the claiming process skips runs it has a claim in flight on, or that
    // answered 409 within the last 2 s (visibility lags behind the workflow by up to a second).
    const busy = new Map<string, number>();
    const claimA2 = async (): Promise<ExpLease> => {
      for (let round = 0; round < 200; round++) {
        const res = await client.workflowService.listWorkflowExecutions({
          namespace,
          query: claimableQuery,
          pageSize: 50,
        });
        const now = Date.now();
        const ids = res.executions
          .map((r) => r.execution?.workflowId as string)
          .filter((id) => (busy.get(id) ?? 0) < now);
        for (const id of ids) {
          busy.set(id, Number.MAX_SAFE_INTEGER);
          try {
            const lease = await client.workflow
              .getHandle(id)
              .executeUpdate<ExpLease, [{ agent: string }]>('expClaimNext', { args: [{ agent: 'exp-a' }] });
            busy.set(id, Date.now() + 2000);
            return lease;
          } catch {
            busy.set(id, Date.now() + 2000);
            conflicts++;
          }
        }
        await delay(50);
      }
      throw new Error('no claimable run found');
    };
    const leased = new Map<string, number>();
    const note = (l: ExpLease): void => void leased.set(l.runId, (leased.get(l.runId) ?? 0) + 1);
    const seqA: number[] = [];
    for (let i = 0; i < CLAIMS; i++) {
      const [ms, lease] = await timed(claimA);
      seqA.push(ms);
      note(lease);
    }
    out['a.claimMs.sequential'] = summarize(seqA);
    out['a.conflicts.sequential'] = conflicts;
    conflicts = 0;
    const parA: number[] = [];
    await mapLimit([...Array(CLAIMS).keys()], 8, async () => {
      const [ms, lease] = await timed(claimA);
      parA.push(ms);
      note(lease);
    });
    out['a.claimMs.8concurrent'] = summarize(parA);
    out['a.conflicts.8concurrent'] = conflicts;
    conflicts = 0;
    const parA2: number[] = [];
    await mapLimit([...Array(CLAIMS).keys()], 8, async () => {
      const [ms, lease] = await timed(claimA2);
      parA2.push(ms);
      note(lease);
    });
    out['a2.claimMs.8concurrent'] = summarize(parA2);
    out['a2.conflicts.8concurrent'] = conflicts;
    out['a.duplicates'] = [...leased.values()].filter((n) => n > 1).length;
    say(`(a) claims: ${JSON.stringify(out)}`);

    // (b) poll the per-agent activity queue and complete through the task token.
    const claimB = async (): Promise<Uint8Array> => {
      // A long poll needs a gRPC deadline (the server refuses one without).
      const task = await client.connection.withDeadline(Date.now() + 70_000, () =>
        client.workflowService.pollActivityTaskQueue({
          namespace,
          taskQueue: { name: 'agent-exp-b' },
          identity: 'exp',
        }),
      );
      if (!task.taskToken?.length) throw new Error('empty poll');
      return task.taskToken;
    };
    const complete = (taskToken: Uint8Array) =>
      client.workflowService.respondActivityTaskCompleted({ namespace, taskToken, identity: 'exp' });
    const seqB: number[] = [];
    const seqBDone: number[] = [];
    for (let i = 0; i < CLAIMS; i++) {
      const [ms, token] = await timed(claimB);
      seqB.push(ms);
      seqBDone.push((await timed(() => complete(token)))[0]);
    }
    out['b.claimMs.sequential'] = summarize(seqB);
    out['b.completeMs.sequential'] = summarize(seqBDone);
    const parB: number[] = [];
    await mapLimit([...Array(CLAIMS).keys()], 8, async () => {
      const [ms, token] = await timed(claimB);
      parB.push(ms);
      await complete(token);
    });
    out['b.claimMs.8concurrent'] = summarize(parB);
    console.log(JSON.stringify(out, null, 2));
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
