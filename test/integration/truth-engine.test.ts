/**
 * Every state tells the truth, in the engine, against the real dev server: a program's phases are
 * `pending` (no run id) until they start and stay so after the program ends; a run cancelled at
 * its gate leaves `AwaitingApproval` and the approvals list; a step cancelled in its back-off ends
 * `cancelled`; a run waiting for `startAt` is `scheduled`; after an operator's retry the back-off
 * starts again from the first interval.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRun } from '../../client/runs';
import { actUpdate, decideUpdate, statusQuery } from '../../workflows/messages';
import type { PhasePlan, ResolvedProgramPlan } from '../../workflows/plan/schema';
import { AwaitingApproval, PendingAgents, PhaseState } from '../../workflows/search-attributes';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';

useTemporal();

const week = (id: string): PhasePlan => ({
  id,
  title: `Week ${id}`,
  steps: [
    { id: 'work', run: { kind: 'simulate', duration: '100ms' } },
    { id: 'review', gate: { needs: ['work'], approval: { approvers: ['lead'] } } },
  ],
});

async function attrs(runId: string) {
  const d = await env.client.workflow.getHandle(runId).describe();
  return {
    state: d.typedSearchAttributes.get(PhaseState),
    awaiting: d.typedSearchAttributes.get(AwaitingApproval),
    pending: d.typedSearchAttributes.get(PendingAgents),
  };
}

describe('program phases', () => {
  it('are pending with no run id until they start, and stay pending after a cancel in week 1', async () => {
    const program: ResolvedProgramPlan = { id: 'five-weeks', kind: 'program', phases: ['w1', 'w2', 'w3'].map(week) };
    const handle = await startRun(env.client, program, { taskQueue: worker.taskQueue, runId: 'truth-prog-cancel' });
    const s = await waitForStatus(handle, (x) => x.phases?.[0]?.state === 'running');
    assert.deepEqual(
      s.phases?.map((p) => [p.runId, p.state]),
      [
        ['truth-prog-cancel--w1', 'running'],
        [null, 'pending'],
        [null, 'pending'],
      ],
    );
    await waitForStatus(
      env.client.workflow.getHandle('truth-prog-cancel--w1'),
      (x) => x.gates[0]?.state === 'awaiting-approval',
    );
    await handle.cancel();
    const end = await waitForOutcome(handle);
    assert.equal(end.outcome, 'cancelled');
    assert.deepEqual(
      end.phases?.map((p) => [p.runId, p.state, p.outcome]),
      [
        ['truth-prog-cancel--w1', 'cancelled', 'cancelled'],
        [null, 'pending', null],
        [null, 'pending', null],
      ],
    );
    assert.ok(
      end.phases?.every((p) => p.state !== 'running'),
      'nothing runs in an ended program',
    );
  });

  it('after a no-go in week 2, week 3 stays pending', async () => {
    const program: ResolvedProgramPlan = { id: 'nogo-weeks', kind: 'program', phases: ['w1', 'w2', 'w3'].map(week) };
    const handle = await startRun(env.client, program, { taskQueue: worker.taskQueue, runId: 'truth-prog-nogo' });
    for (const [phase, decision] of [
      ['w1', 'go'],
      ['w2', 'no-go'],
    ] as const) {
      const child = env.client.workflow.getHandle(`truth-prog-nogo--${phase}`);
      await waitForStatus(child, (x) => x.gates[0]?.state === 'awaiting-approval', 60_000);
      await child.executeUpdate(decideUpdate, { args: [{ gate: 'review', decision, approver: 'lead' }] });
    }
    const end = await waitForOutcome(handle);
    assert.equal(end.outcome, 'rejected');
    assert.deepEqual(
      end.phases?.map((p) => p.state),
      ['succeeded', 'rejected', 'pending'],
    );
    assert.equal(end.phases?.[2]?.runId, null);
  });
});

describe('ended runs wait for nothing', () => {
  it('a run cancelled while its gate awaits: gate cancelled, AwaitingApproval false, out of the awaiting list', async () => {
    const handle = await startRun(env.client, week('cancel-at-gate'), {
      taskQueue: worker.taskQueue,
      runId: 'truth-gate-cancel',
    });
    await waitForStatus(handle, (x) => x.gates[0]?.state === 'awaiting-approval');
    await handle.cancel();
    const end = await waitForOutcome(handle);
    assert.equal(end.gates[0]?.state, 'cancelled');
    assert.ok(end.gates[0]?.endedAt);
    const a = await attrs('truth-gate-cancel');
    assert.equal(a.awaiting, false);
    assert.equal(a.state, 'cancelled');
    const open = [];
    for await (const info of env.client.workflow.list({
      query: `WorkflowId = 'truth-gate-cancel' AND AwaitingApproval = true`,
    }))
      open.push(info.workflowId);
    assert.deepEqual(open, []);
  });

  it('a run cancelled while an agent task is open shows no pending agents', async () => {
    const plan: PhasePlan = { id: 'agent-cancel', steps: [{ id: 'code', agent: 'coder', run: { kind: 'agent' } }] };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue, runId: 'truth-agent-cancel' });
    await waitForStatus(handle, (x) => Boolean(x.steps[0]?.agentTask));
    await handle.cancel();
    const end = await waitForOutcome(handle);
    assert.equal(end.steps[0]?.state, 'cancelled');
    assert.deepEqual((await attrs('truth-agent-cancel')).pending ?? [], []);
  });

  it('a step waiting to retry when its run is cancelled ends cancelled, its clock stopped', async () => {
    const plan: PhasePlan = {
      id: 'backoff-cancel',
      steps: [
        {
          id: 'flaky',
          run: { kind: 'simulate', duration: '50ms', failAttempts: 99 },
          retry: { maximumAttempts: 5, initialInterval: '10m' },
        },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue, runId: 'truth-backoff-cancel' });
    await waitForStatus(handle, (x) => x.events.some((e) => e.type === 'retry'));
    await handle.cancel();
    const end = await waitForOutcome(handle);
    const step = end.steps[0];
    assert.equal(step?.state, 'cancelled');
    assert.ok(step?.endedAt, 'endedAt set');
    assert.ok(Date.parse(step?.endedAt ?? '') <= Date.parse(end.endedAt ?? ''));
  });
});

describe('startAt', () => {
  it('a run waiting for startAt is scheduled, not running, and has not started', async () => {
    const startAt = new Date(Date.now() + 120_000).toISOString();
    const handle = await startRun(
      env.client,
      { ...week('later'), startAt },
      { taskQueue: worker.taskQueue, runId: 'truth-scheduled' },
    );
    const s = await waitForStatus(handle, (x) => x.events.some((e) => e.type === 'scheduled'));
    assert.equal(s.state, 'scheduled');
    assert.equal(s.startedAt, null);
    assert.equal(s.startAt, startAt);
    assert.equal((await attrs('truth-scheduled')).state, 'scheduled');
    await handle.cancel();
    assert.equal((await waitForOutcome(handle)).outcome, 'cancelled');
  });

  it('a program waiting for startAt is scheduled too', async () => {
    const startAt = new Date(Date.now() + 120_000).toISOString();
    const program: ResolvedProgramPlan = { id: 'later-prog', kind: 'program', startAt, phases: [week('l1')] };
    const handle = await startRun(env.client, program, { taskQueue: worker.taskQueue, runId: 'truth-scheduled-prog' });
    const s = await waitForStatus(handle, (x) => x.events.some((e) => e.type === 'scheduled'));
    assert.equal(s.state, 'scheduled');
    assert.equal(s.startedAt, null);
    await handle.cancel();
    await waitForOutcome(handle);
  });

  it('a startAt in the past starts at once and says so', async () => {
    const handle = await startRun(
      env.client,
      { id: 'past', startAt: '2020-01-01T00:00:00Z', steps: [{ id: 'x', run: { kind: 'simulate' } }] },
      { taskQueue: worker.taskQueue },
    );
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    assert.match(
      s.events.find((e) => e.type === 'start-at-passed')?.message ?? '',
      /startAt 2020-01-01T00:00:00Z had already passed: started at once/,
    );
  });
});

describe('operator retry', () => {
  it('restarts the back-off from the first interval', async () => {
    const plan: PhasePlan = {
      id: 'backoff-reset',
      steps: [
        {
          id: 'flaky',
          run: { kind: 'simulate', duration: '20ms', failAttempts: 99 },
          retry: { maximumAttempts: 2, initialInterval: '300ms', backoffCoefficient: 20, maximumInterval: '1h' },
          onFailure: 'hold',
        },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue, runId: 'truth-backoff-reset' });
    await waitForStatus(handle, (x) => x.steps[0]?.held === true);
    await handle.executeUpdate(actUpdate, { args: [{ step: 'flaky', action: 'retry' }] });
    const s = await waitForStatus(handle, (x) => x.events.filter((e) => e.type === 'retry').length >= 2, 60_000);
    const retries = s.events.filter((e) => e.type === 'retry').map((e) => e.message);
    assert.match(retries[0] ?? '', /attempt 1 failed: .*retrying in 300ms/);
    // Before the fix: attempt 3 waited backoff(4) = 300ms × 20² = 2m.
    assert.match(retries[1] ?? '', /attempt 3 failed: .*retrying in 300ms/);
    await handle.cancel();
    const end = await waitForOutcome(handle);
    assert.equal((await handle.query(statusQuery)).outcome, end.outcome);
  });
});
