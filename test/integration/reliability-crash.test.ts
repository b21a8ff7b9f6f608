/**
 * Crashes: a worker SIGKILLed mid shell task and mid rollback, two workers sharing a plan with one
 * killed, and the Temporal dev server restarted on its SQLite file while a task runs and while a
 * gate waits. Side effects are counted in a file the shell tasks append to.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, Connection } from '@temporalio/client';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { env, useTemporal } from '../helpers/fixture';
import { freePort, spawnWorker, until, type WorkerProcess, crashingShellPlan, fileLines } from '../helpers/processes';
import { startRun } from '../../client/runs';
import { ensureTemporalCli } from '../../scripts/temporal-cli';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { decideUpdate } from '../../workflows/messages';
import type { PhasePlan } from '../../workflows/plan/schema';

const dir = mkdtempSync(join(tmpdir(), 'phasegate-crash-'));
const workers: WorkerProcess[] = [];
const spawnTracked = async (address: string, q: string) => {
  const w = await spawnWorker(address, q);
  workers.push(w);
  return w;
};
after(async () => {
  await Promise.all(workers.map((w) => w.kill()));
});

describe('worker crashes', () => {
  // The server only: the workers are processes of their own, so that they can be SIGKILLed.
  useTemporal({ worker: false });

  it('a worker SIGKILLed mid shell task: the attempt is retried on a new worker, the dead attempt leaves no effect behind', async () => {
    const q = `crash-${randomUUID()}`;
    const file = join(dir, 'task.log');
    const plan = crashingShellPlan('crash-task', file);
    const first = await spawnTracked(env.address, q);
    const handle = await startRun(env.client, plan, { taskQueue: q });
    await until(() => fileLines(file).includes('start 1'), 30_000, 'attempt 1 to start');
    await first.kill();
    await spawnTracked(env.address, q);
    const s = await waitForOutcome(handle, 60_000);
    assert.equal(s.outcome, 'succeeded');
    assert.equal(s.steps[0]?.attempts, 2);
    assert.match(s.steps[0]?.attemptHistory[0]?.error ?? '', /heartbeat|timeout/i);
    await new Promise((r) => setTimeout(r, 3500)); // longer than the killed attempt would have run
    assert.deepEqual(fileLines(file), ['start 1', 'start 2', 'done 2']);
  });

  it('a worker SIGKILLed mid rollback: the compensation completes exactly once on a new worker', async () => {
    const q = `crash-${randomUUID()}`;
    const file = join(dir, 'rollback.log');
    const plan: PhasePlan = {
      id: 'crash-rollback',
      steps: [
        {
          id: 'deploy',
          heartbeat: '2s',
          retry: { maximumAttempts: 3, initialInterval: '100ms' },
          run: { kind: 'shell', script: `echo "deploy $PHASEGATE_ATTEMPT" >> ${file}` },
          rollback: { kind: 'shell', script: `echo "undo start" >> ${file}; sleep 3; echo "undo done" >> ${file}` },
        },
        { id: 'verify', needs: ['deploy'], retry: { maximumAttempts: 1 }, run: { kind: 'simulate', failAttempts: 1 } },
      ],
    };
    const first = await spawnTracked(env.address, q);
    const handle = await startRun(env.client, plan, { taskQueue: q });
    await until(() => fileLines(file).includes('undo start'), 30_000, 'the compensation to start');
    await first.kill();
    await spawnTracked(env.address, q);
    const s = await waitForOutcome(handle, 60_000);
    assert.equal(s.outcome, 'failed');
    assert.deepEqual(
      s.compensations.map((c) => [c.step, c.state]),
      [['deploy', 'succeeded']],
    );
    await new Promise((r) => setTimeout(r, 3500));
    const log = fileLines(file);
    assert.deepEqual(
      log.filter((l) => l.startsWith('deploy')),
      ['deploy 1'],
      'the task ran once',
    );
    assert.equal(log.filter((l) => l === 'undo done').length, 1, 'the compensation completed exactly once');
    assert.equal(log.filter((l) => l === 'undo start').length, 2, 'one interrupted attempt, one complete');
  });

  it('two workers share a 50-task plan; killing one mid-run still completes it', async () => {
    const q = `shared-${randomUUID()}`;
    const plan: PhasePlan = {
      id: 'fifty',
      maxParallel: 10,
      defaults: { heartbeat: '2s', retry: { maximumAttempts: 5, initialInterval: '100ms' } },
      steps: Array.from({ length: 50 }, (_, i) => ({
        id: `t${i}`,
        ...(i >= 10 ? { needs: [`t${i - 10}`] } : {}),
        run: { kind: 'simulate' as const, duration: '400ms' },
      })),
    };
    const [a] = [await spawnTracked(env.address, q), await spawnTracked(env.address, q)];
    const handle = await startRun(env.client, plan, { taskQueue: q });
    await waitForStatus(handle, (s) => s.steps.filter((x) => x.state === 'succeeded').length >= 15, 60_000);
    await a?.kill();
    const s = await waitForOutcome(handle, 120_000);
    assert.equal(s.outcome, 'succeeded');
    assert.equal(s.steps.filter((x) => x.state === 'succeeded').length, 50);
    const identities = new Set<string>();
    for (const e of (await handle.fetchHistory()).events ?? []) {
      const id = e.activityTaskStartedEventAttributes?.identity;
      if (id) identities.add(id);
    }
    assert.ok(identities.size >= 2, `activities ran on both workers (${[...identities].join(', ')})`);
  });
});

// Not on the fixture: it needs a dev server of its own on a fixed port and SQLite file, to restart.
describe('Temporal server restarts', () => {
  it('a run continues across two dev server restarts on the same SQLite file; a decision sent after a restart counts', async () => {
    const port = await freePort();
    const dbFilename = join(dir, 'temporal.db');
    const cli = ensureTemporalCli();
    const start = () =>
      TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: cli },
          dbFilename,
          port,
          ui: false,
          searchAttributes: ALL_SEARCH_ATTRIBUTES,
        },
      });
    const address = `127.0.0.1:${port}`;
    const q = `restart-${randomUUID()}`;
    const file = join(dir, 'restart.log');
    const plan: PhasePlan = {
      id: 'restart',
      steps: [
        {
          id: 'work',
          heartbeat: '10s',
          run: { kind: 'shell', script: `echo start >> ${file}; sleep 4; echo done >> ${file}` },
        },
        { id: 'gate', gate: { needs: ['work'], approval: { approvers: ['cto'] } } },
        { id: 'ship', needs: ['gate'], run: { kind: 'simulate' } },
      ],
    };
    let server = await start();
    try {
      await spawnTracked(address, q);
      const handle = await startRun(server.client, plan, { taskQueue: q });
      await until(() => fileLines(file).includes('start'), 30_000, 'the task to start');
      await server.teardown();
      server = await start();
      // A fresh client on the restarted server; the worker reconnects by itself.
      const client = new Client({ connection: await Connection.connect({ address }) });
      const h = client.workflow.getHandle(handle.workflowId);
      await waitForStatus(h, (s) => s.gates[0]?.state === 'awaiting-approval', 60_000);
      await server.teardown();
      server = await start();
      const client2 = new Client({ connection: await Connection.connect({ address }) });
      const h2 = client2.workflow.getHandle(handle.workflowId);
      await until(
        async () =>
          await h2
            .describe()
            .then(() => true)
            .catch(() => false),
        30_000,
        'the server to answer',
      );
      const gate = await h2.executeUpdate(decideUpdate, {
        args: [{ gate: 'gate', decision: 'go', approver: 'cto', comment: 'after restart' }],
      });
      assert.equal(gate.state, 'go');
      const s = await waitForOutcome(h2, 60_000);
      assert.equal(s.outcome, 'succeeded');
      assert.deepEqual(fileLines(file), ['start', 'done'], 'the task ran once, through the restart');
      assert.equal(s.steps[0]?.attempts, 1);
      await client.connection.close();
      await client2.connection.close();
    } finally {
      await Promise.all(workers.map((w) => w.kill()));
      await server.teardown();
    }
  });
});
