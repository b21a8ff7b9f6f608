/**
 * End to end on the PostgreSQL-backed Temporal cluster of `npm run cluster:up` (not the dev
 * server): the seed plans with approvals, a no-go with rollback, a worker SIGKILLed mid task, and
 * listing runs by Phasegate's search attributes from PostgreSQL visibility.
 *
 * Run with `npm run test:cluster` (starts and stops the cluster around it), or against a running
 * cluster with `PHASEGATE_CLUSTER_ADDRESS=127.0.0.1:7243 node --import tsx --test test/cluster/*.test.ts`.
 *
 * The cluster keeps its data between runs, so every run id and task queue here carries a suffix
 * unique to this test run, and visibility queries are limited to runs started by it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { startRun } from '../../client/runs';
import { BUNDLED_PLANS_DIR, loadPlanCatalog, resolvePlan, type PlanCatalog } from '../../client/plans';
import { createPhaseWorker } from '../../workers/worker';
import { drive } from '../helpers/drive';
import { spawnWorker, until, type WorkerProcess, crashingShellPlan, fileLines } from '../helpers/processes';
import { waitForOutcome, waitForStatus, workflowBundle } from '../helpers/temporal';

const ADDRESS = process.env.PHASEGATE_CLUSTER_ADDRESS ?? '127.0.0.1:7243';
const NAMESPACE = 'default';
const SUFFIX = randomBytes(3).toString('hex');
/**
 * Visibility queries only look at runs started from here on: earlier test runs stay in the cluster.
 * Server and tests share the machine's clock, so no margin is needed (nor wanted: back-to-back runs).
 */
const SINCE = new Date().toISOString();
const SEED_IDS = ['phase-2-program', 'phase-6-orchestration', 'phase-7-release'];

const dir = mkdtempSync(join(tmpdir(), 'phasegate-cluster-'));

let connection: Connection;
let client: Client;
let nativeConnection: NativeConnection;
let stopWorker: () => Promise<void>;
let catalog: PlanCatalog;
const taskQueue = `cluster-${SUFFIX}`;
const processes: WorkerProcess[] = [];

before(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  connection = await Connection.connect({ address: ADDRESS, connectTimeout: '10s' });
  client = new Client({ connection, namespace: NAMESPACE });
  nativeConnection = await NativeConnection.connect({ address: ADDRESS });
  const worker = await createPhaseWorker({
    connection: nativeConnection,
    namespace: NAMESPACE,
    taskQueue,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  stopWorker = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
  catalog = await loadPlanCatalog(BUNDLED_PLANS_DIR);
});

after(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await stopWorker?.();
  await nativeConnection?.close();
  await connection?.close();
});

/** Run ids of every list result for `query`, limited to this test run's time window. */
async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `${query} AND StartTime >= '${SINCE}'` }))
    ids.push(wf.workflowId);
  return ids;
}

/** Visibility is written asynchronously after each state change: poll until `expected` are all listed. */
async function waitListed(query: string, expected: readonly string[], timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = await listIds(query);
    if (expected.every((id) => ids.includes(id))) return ids;
    if (Date.now() > deadline)
      throw new Error(
        `${query}: expected ${JSON.stringify(expected)} within ${timeoutMs}ms; listed ${JSON.stringify(ids)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

function startSeed(id: string, runId: string): Promise<WorkflowHandle> {
  const plan = catalog.plans.get(id);
  assert.ok(plan, `bundled plan ${id}`);
  const resolved = resolvePlan(plan, catalog);
  assert.ok(resolved.ok, JSON.stringify(resolved));
  return startRun(client, resolved.plan, { taskQueue, runId });
}

describe('Temporal cluster on PostgreSQL', () => {
  it('is Temporal Server 1.29.1 with PostgreSQL persistence and visibility', async () => {
    const info = await client.workflowService.getClusterInfo({});
    assert.equal(info.serverVersion, '1.29.1');
    assert.equal(info.persistenceStore, 'postgres12');
    assert.equal(info.visibilityStore, 'postgres12');
  });

  const noGoRun = `phase-7-release-nogo-${SUFFIX}`;
  const goRuns = SEED_IDS.map((id) => `${id}-go-${SUFFIX}`);

  it(
    'each seed plan runs to succeeded with approvals; a no-go is rejected and rolled back',
    { timeout: 300_000 },
    async () => {
      const runs = [
        ...SEED_IDS.map(async (id, i) => ({
          id,
          decision: 'go' as const,
          s: await drive(client, await startSeed(id, goRuns[i] as string), 'go', 240_000),
        })),
        (async () => ({
          id: 'phase-7-release',
          decision: 'no-go' as const,
          s: await drive(client, await startSeed('phase-7-release', noGoRun), 'no-go', 240_000),
        }))(),
      ];
      for (const { id, decision, s } of await Promise.all(runs)) {
        if (decision === 'go') {
          assert.equal(s.outcome, 'succeeded', `${id}: ${s.cause}`);
          if (s.kind === 'phase') {
            assert.ok(
              s.steps.every((x) => x.state === 'succeeded'),
              `${id}: all tasks succeeded`,
            );
            assert.ok(
              s.gates.every((g) => g.state === 'go'),
              `${id}: all gates go`,
            );
          } else {
            assert.ok(
              s.phases?.every((p) => p.outcome === 'succeeded'),
              `${id}: all phases succeeded`,
            );
          }
        } else {
          assert.equal(s.outcome, 'rejected', `${id}: ${s.cause}`);
          assert.ok(s.compensations.length > 0, `${id}: rejection rolled back completed tasks`);
          assert.ok(
            s.compensations.every((c) => c.state === 'succeeded'),
            `${id}: every compensation succeeded: ${JSON.stringify(s.compensations)}`,
          );
        }
      }
    },
  );

  it('finds runs by PhasePlan and PhaseState in PostgreSQL visibility', { timeout: 120_000 }, async () => {
    const succeeded = await waitListed(`PhaseState = 'succeeded'`, goRuns);
    assert.ok(!succeeded.includes(noGoRun), 'the rejected run is not listed as succeeded');
    const rejected = await waitListed(`PhasePlan = 'phase-7-release' AND PhaseState = 'rejected'`, [noGoRun]);
    assert.ok(!rejected.some((id) => goRuns.includes(id)), 'no succeeded run is listed as rejected');
    assert.deepEqual(await listIds(`PhasePlan = 'phase-6-orchestration' AND PhaseState = 'rejected'`), []);

    // A waiting run is found by its live state, and moves to `succeeded` in visibility once approved.
    const runId = `demo-approval-${SUFFIX}`;
    const handle = await startSeed('demo-approval', runId);
    await waitForStatus(handle, (s) => s.gates.some((g) => g.state === 'awaiting-approval'), 60_000);
    await waitListed(
      `PhasePlan = 'demo-approval' AND PhaseState = 'awaiting-approval' AND AwaitingApproval = true AND PhaseKind = 'phase'`,
      [runId],
    );
    const s = await drive(client, handle, 'go', 60_000);
    assert.equal(s.outcome, 'succeeded');
    await waitListed(`PhasePlan = 'demo-approval' AND PhaseState = 'succeeded' AND AwaitingApproval = false`, [runId]);
    const counted = await client.workflow.count(`PhasePlan = 'demo-approval' AND StartTime >= '${SINCE}'`);
    assert.equal(counted.count, 1);
  });

  it(
    'a worker SIGKILLed mid shell task: the attempt is retried on another worker and the run succeeds',
    { timeout: 180_000 },
    async () => {
      const q = `cluster-crash-${SUFFIX}`;
      const file = join(dir, 'task.log');
      const plan = crashingShellPlan('cluster-crash', file);
      const first = await spawnWorker(ADDRESS, q);
      processes.push(first);
      const handle = await startRun(client, plan, { taskQueue: q, runId: `cluster-crash-${SUFFIX}` });
      await until(() => fileLines(file).includes('start 1'), 60_000, 'attempt 1 to start');
      await first.kill();
      const second = await spawnWorker(ADDRESS, q);
      processes.push(second);
      const s = await waitForOutcome(handle, 90_000);
      assert.equal(s.outcome, 'succeeded', s.cause ?? '');
      assert.equal(s.steps[0]?.attempts, 2);
      assert.match(s.steps[0]?.attemptHistory[0]?.error ?? '', /heartbeat|timeout/i);
      // Phasegate schedules each attempt as its own activity: the first started on the killed worker,
      // the second on the new one (a worker's identity is `<pid>@<host>` by default).
      const events = (await handle.fetchHistory()).events ?? [];
      // Only the shell attempts: the run also schedules notification activities.
      const shellScheduled = new Set(
        events
          .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'shellTask')
          .map((e) => String(e.eventId)),
      );
      const identities = events.flatMap((e) => {
        const started = e.activityTaskStartedEventAttributes;
        return started && shellScheduled.has(String(started.scheduledEventId)) ? [started.identity ?? ''] : [];
      });
      assert.equal(identities.length, 2, JSON.stringify(identities));
      assert.match(identities[0] ?? '', new RegExp(`^${first.child.pid}@`));
      assert.match(identities[1] ?? '', new RegExp(`^${second.child.pid}@`));
      await new Promise((r) => setTimeout(r, 3500)); // longer than the killed attempt would have run
      assert.deepEqual(
        fileLines(file),
        ['start 1', 'start 2', 'done 2'],
        'the killed attempt left no completion behind',
      );
    },
  );
});
