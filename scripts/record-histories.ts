/**
 * Records workflow histories for replay tests: runs a set of scenarios on a fresh dev server and
 * writes each history to `test/histories/<date>/<scenario>.json` (or the folder named by the first
 * argument); the scenario name is also the workflow id, which replay needs. Run it (`npm run record-histories`)
 * only when adding scenarios; committed histories are what protect running workflows from
 * non-deterministic changes to workflow code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { ensureTemporalCli } from './temporal-cli';
import { createTestEnv, startWorker, waitForOutcome, waitForStatus } from './temporal-env';
import { startRun, type RunInputExtras } from '../client/runs';
import { actUpdate, claimUpdate, completeUpdate, decideSignal, decideUpdate } from '../workflows/messages';
import type { PhasePlan, ResolvedProgramPlan } from '../workflows/plan/schema';

// One folder per recording (by date), so histories of older workflow code keep being replayed.
const OUT = join(__dirname, '..', 'test', 'histories', process.argv[2] ?? new Date().toISOString().slice(0, 10));
const undo = { kind: 'simulate' as const, duration: '20ms' };

const gated: PhasePlan = {
  id: 'replay-gated',
  title: 'Gated release',
  escalateAfter: '300ms',
  steps: [
    {
      id: 'build',
      agent: 'ci',
      run: { kind: 'simulate', duration: '100ms', metrics: { warnings: 3 } },
      metrics: { warnings: {} },
      rollback: undo,
    },
    {
      id: 'docs',
      agent: 'writer',
      run: { kind: 'simulate', duration: '50ms', failAttempts: 1 },
      retry: { initialInterval: '50ms' },
      rollback: undo,
    },
    {
      id: 'gate',
      gate: {
        needs: ['build', 'docs'],
        checks: [{ metric: 'build.warnings', op: '<', value: 20 }],
        approval: { approvers: ['alice', 'bob'], quorum: 2 },
      },
    },
    { id: 'ship', needs: ['gate'], run: { kind: 'simulate', duration: '20ms' } },
  ],
};

type Scenario = (
  taskQueue: string,
  start: (plan: PhasePlan | ResolvedProgramPlan, extras?: RunInputExtras) => Promise<WorkflowHandle>,
) => Promise<WorkflowHandle>;

const scenarios: Record<string, Scenario> = {
  async 'gate-approved'(_q, start) {
    const h = await start(gated);
    await waitForStatus(h, (s) => s.gates[0]?.state === 'awaiting-approval');
    await h.signal(decideSignal, { gate: 'gate', decision: 'go', approver: 'mallory' });
    await h.executeUpdate(decideUpdate, { args: [{ gate: 'gate', decision: 'go', approver: 'alice', comment: 'ok' }] });
    await new Promise((r) => setTimeout(r, 500));
    await h.signal(decideSignal, { gate: 'gate', decision: 'go', approver: 'bob' });
    return h;
  },
  async 'gate-rejected-rollback'(_q, start) {
    const h = await start({ ...gated, id: 'replay-rejected' });
    await waitForStatus(h, (s) => s.gates[0]?.state === 'awaiting-approval');
    await h.executeUpdate(decideUpdate, {
      args: [{ gate: 'gate', decision: 'no-go', approver: 'bob', comment: 'no' }],
    });
    return h;
  },
  async 'hold-retry-then-failure'(_q, start) {
    const h = await start({
      id: 'replay-hold',
      defaults: { onFailure: 'hold', retry: { maximumAttempts: 1 } },
      steps: [
        {
          id: 'one',
          run: { kind: 'simulate' },
          rollback: { kind: 'simulate', failAttempts: 5 },
          retry: { maximumAttempts: 2, initialInterval: '10ms' },
        },
        { id: 'two', needs: ['one'], run: { kind: 'simulate', failAttempts: 1 } },
        { id: 'three', needs: ['two'], run: { kind: 'simulate', failAttempts: 9 }, onFailure: 'fail' },
      ],
    });
    await waitForStatus(h, (s) => s.state === 'held');
    await h.executeUpdate(actUpdate, { args: [{ step: 'two', action: 'retry' }] });
    return h;
  },
  async 'agent-task'(_q, start) {
    const h = await start({
      id: 'replay-agent',
      steps: [
        {
          id: 'review',
          agent: 'reviewer',
          run: { kind: 'agent', instructions: 'review' },
          metrics: { score: {} },
          heartbeat: '30s',
        },
        { id: 'gate', gate: { needs: ['review'], checks: [{ metric: 'review.score', op: '>=', value: 0.9 }] } },
      ],
    });
    await waitForStatus(h, (s) => s.steps[0]?.agentTask != null);
    await h.executeUpdate(claimUpdate, { args: [{ step: 'review', claimant: 'session-1' }] });
    await h.executeUpdate(completeUpdate, {
      args: [{ step: 'review', attempt: 1, claimant: 'session-1', metrics: { score: 0.95 }, summary: 'fine' }],
    });
    return h;
  },
  async 'cancelled-mid-task'(_q, start) {
    const h = await start({
      id: 'replay-cancel',
      deadline: '1h',
      steps: [
        { id: 'first', run: { kind: 'simulate' }, rollback: undo },
        { id: 'long', needs: ['first'], run: { kind: 'simulate', duration: '10m' } },
      ],
    });
    await waitForStatus(h, (s) => s.steps[1]?.state === 'running');
    await h.cancel();
    return h;
  },
  async deadline(_q, start) {
    return start({
      id: 'replay-deadline',
      deadline: '1s',
      steps: [
        { id: 'a', run: { kind: 'simulate' }, rollback: undo },
        { id: 'b', needs: ['a'], run: { kind: 'simulate', duration: '1m' } },
      ],
    });
  },
  async program(_q, start) {
    return start({
      id: 'replay-program',
      kind: 'program',
      phases: [
        { id: 'p1', steps: [{ id: 'x', run: { kind: 'simulate' } }] },
        { id: 'p2', steps: [{ id: 'y', run: { kind: 'simulate' } }] },
      ],
    });
  },
  // Approver groups, separation of duties, a held task, checkpoints and every notification event.
  async 'people-notify-checkpoint'(_q, start) {
    const plan: PhasePlan = {
      id: 'replay-people',
      checkpoint: '300ms',
      steps: [
        {
          id: 'flaky',
          run: { kind: 'simulate', duration: '20ms', failAttempts: 1 },
          retry: { maximumAttempts: 1 },
          onFailure: 'hold',
        },
        {
          id: 'gate',
          gate: {
            needs: ['flaky'],
            approval: { approvers: ['cto', 'group:release'], quorum: 2, separateDuties: true },
          },
        },
      ],
    };
    const h = await start(plan, { groups: { release: ['alice', 'bob'] } });
    await waitForStatus(h, (s) => s.steps[0]?.held === true);
    await h.executeUpdate(actUpdate, { args: [{ step: 'flaky', action: 'skip' }] });
    await waitForStatus(h, (s) => s.gates[0]?.state === 'awaiting-approval' && (s.checkpoints?.length ?? 0) >= 1);
    await h.executeUpdate(decideUpdate, {
      args: [{ gate: 'gate', decision: 'go', approver: 'alice', via: 'link', linkNonce: 'n-1' }],
    });
    await h.signal(decideSignal, { gate: 'gate', decision: 'go', approver: 'mallory' });
    await h.executeUpdate(decideUpdate, { args: [{ gate: 'gate', decision: 'go', approver: 'cto' }] });
    return h;
  },
};

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const env = await createTestEnv();
  const worker = await startWorker(env);
  try {
    // SCENARIOS=a,b records only those (new scenarios, without re-recording the others).
    const only = process.env.SCENARIOS?.split(',').filter(Boolean);
    for (const [name, scenario] of Object.entries(scenarios)) {
      if (only && !only.includes(name)) continue;
      const h = await scenario(worker.taskQueue, (plan, extras) =>
        startRun(env.client, plan, { taskQueue: worker.taskQueue, runId: name, ...extras }),
      );
      const status = await waitForOutcome(h);
      // The CLI writes the canonical JSON history format that historyFromJSON reads.
      const json = execFileSync(
        ensureTemporalCli(),
        ['workflow', 'show', '--address', env.address, '--workflow-id', h.workflowId, '--output', 'json'],
        { encoding: 'utf8' },
      );
      writeFileSync(join(OUT, `${name}.json`), json.endsWith('\n') ? json : `${json}\n`);
      console.log(`${name}: ${status.outcome}, ${(JSON.parse(json) as { events: unknown[] }).events.length} events`);
    }
  } finally {
    await worker.stop();
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
