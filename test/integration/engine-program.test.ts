/**
 * Programs: phases as child workflows, chained; a rejected phase stops the program; startAt delays.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';
import { startRun } from '../../client/runs';
import { decideUpdate, statusQuery } from '../../workflows/messages';
import type { PhasePlan, ResolvedProgramPlan } from '../../workflows/plan/schema';

useTemporal();

const phase = (id: string, gate = false): PhasePlan => ({
  id,
  title: `Phase ${id}`,
  steps: [
    { id: 'work', run: { kind: 'simulate', duration: '100ms' }, rollback: { kind: 'simulate' } },
    ...(gate ? [{ id: 'go-no-go', gate: { needs: ['work'], approval: { approvers: ['cto'] } } }] : []),
  ],
});

describe('programs', () => {
  it('runs phases in order, each as a child workflow, and succeeds when all do', async () => {
    const program: ResolvedProgramPlan = {
      id: 'rollout',
      kind: 'program',
      title: 'Rollout',
      phases: [phase('p1'), phase('p2')],
    };
    const handle = await startRun(env.client, program, { taskQueue: worker.taskQueue });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    assert.equal(s.kind, 'program');
    assert.deepEqual(
      s.phases?.map((p) => [p.plan, p.outcome]),
      [
        ['p1', 'succeeded'],
        ['p2', 'succeeded'],
      ],
    );
    const [c1, c2] = await Promise.all(
      (s.phases ?? []).map((p) => env.client.workflow.getHandle(p.runId ?? '').describe()),
    );
    assert.ok(c1 && c2 && c1.closeTime && c2.startTime >= c1.closeTime, 'phase 2 started after phase 1 closed');
    assert.equal(c1?.parentExecution?.workflowId, handle.workflowId);
  });

  it('stops at a rejected phase with outcome rejected; later phases never start', async () => {
    const program: ResolvedProgramPlan = {
      id: 'rollout-stop',
      kind: 'program',
      phases: [phase('p1', true), phase('p2')],
    };
    const handle = await startRun(env.client, program, { taskQueue: worker.taskQueue });
    const running = await waitForStatus(
      handle,
      (s) => s.phases?.[0]?.runId !== undefined && s.events.some((e) => e.type === 'phase-started'),
    );
    const child = env.client.workflow.getHandle(running.phases?.[0]?.runId ?? '');
    await waitForStatus(child, (s) => s.gates[0]?.state === 'awaiting-approval');
    await child.executeUpdate(decideUpdate, { args: [{ gate: 'go-no-go', decision: 'no-go', approver: 'cto' }] });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'rejected');
    assert.deepEqual(
      s.phases?.map((p) => p.outcome),
      ['rejected', null],
    );
    assert.match(s.cause ?? '', /phase p1 rejected/);
    assert.deepEqual(
      s.phases?.map((p) => p.state),
      ['rejected', 'pending'],
      'the phase that never started stays pending',
    );
    assert.equal(s.phases?.[1]?.runId, null);
    await assert.rejects(env.client.workflow.getHandle(`${handle.workflowId}--p2`).describe(), /not found/i);
  });

  it('a program deadline cancels the running phase, which rolls back: outcome timed-out', async () => {
    const slow: PhasePlan = {
      id: 'slow',
      steps: [
        { id: 'done', run: { kind: 'simulate' }, rollback: { kind: 'simulate' } },
        { id: 'wait', needs: ['done'], run: { kind: 'simulate', duration: '5m' } },
      ],
    };
    const program: ResolvedProgramPlan = {
      id: 'rollout-deadline',
      kind: 'program',
      deadline: '2s',
      phases: [phase('p1'), slow],
    };
    const s = await waitForOutcome(await startRun(env.client, program, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'timed-out');
    assert.deepEqual(
      s.phases?.map((p) => p.outcome),
      ['succeeded', 'cancelled'],
    );
    assert.match(s.cause ?? '', /deadline of 2s passed during phase slow/);
    const child = await env.client.workflow.getHandle(s.phases?.[1]?.runId ?? '').query(statusQuery);
    assert.deepEqual(
      child.compensations.map((c) => c.step),
      ['done'],
    );
  });

  it('startAt delays the start of a phase', async () => {
    const startAt = new Date(Date.now() + 2500).toISOString();
    const handle = await startRun(env.client, { ...phase('later'), startAt }, { taskQueue: worker.taskQueue });
    const waiting = await waitForStatus(handle, (s) => s.events.some((e) => e.type === 'scheduled'));
    assert.equal(waiting.steps[0]?.state, 'pending');
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    assert.ok(Date.parse(s.steps[0]?.startedAt ?? '') >= Date.parse(startAt), 'the work began no earlier than startAt');
  });
});
