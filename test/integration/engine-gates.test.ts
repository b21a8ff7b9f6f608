/**
 * Gates and decisions through the real dev server: quorum, duplicate votes, validator rejections,
 * signals (valid, invalid, early), check failures, approval timeouts, automatic gates.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';
import { gateOf, stepOf } from '../helpers/status';
import { startRun } from '../../client/runs';
import { decideSignal, decideUpdate, type Decision } from '../../workflows/messages';
import type { PhasePlan, Step } from '../../workflows/plan/schema';

useTemporal();

function gatedPlan(id: string, gate: NonNullable<Step['gate']>, extra: Step[] = []): PhasePlan {
  return {
    id,
    steps: [
      {
        id: 'build',
        run: { kind: 'simulate', duration: '100ms', metrics: { warnings: 12, ratio: 0.97 } },
        metrics: { warnings: {}, ratio: {} },
      },
      { id: 'gate', gate: { needs: ['build'], ...gate } },
      { id: 'ship', needs: ['gate'], run: { kind: 'simulate' } },
      ...extra,
    ],
  };
}

async function rejection(p: Promise<unknown>): Promise<{ type?: string | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected an update failure, got ${String(err)}`);
    const cause = err.cause as { type?: string | undefined; message: string };
    return { type: cause.type, message: cause.message };
  }
  assert.fail('update was accepted');
}

const decide = (d: Decision) => ({ args: [d] as [Decision] });

describe('approval gates', () => {
  it('needs a quorum of distinct go votes (2 of 3) and rejects a second vote by the same approver', async () => {
    const plan = gatedPlan('quorum', {
      checks: [{ metric: 'build.warnings', op: '<', value: 20 }],
      approval: { approvers: ['alice', 'bob', 'carol'], quorum: 2 },
    });
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    await waitForStatus(handle, (s) => gateOf(s).state === 'awaiting-approval');

    const first = await handle.executeUpdate(
      decideUpdate,
      decide({ gate: 'gate', decision: 'go', approver: 'alice', comment: 'lgtm' }),
    );
    assert.equal(first.state, 'awaiting-approval');
    assert.equal(first.votes.length, 1);
    assert.deepEqual(first.checks, [{ metric: 'build.warnings', op: '<', value: 20, actual: 12, passed: true }]);

    const again = await rejection(
      handle.executeUpdate(decideUpdate, decide({ gate: 'gate', decision: 'go', approver: 'alice' })),
    );
    assert.equal(again.type, 'Conflict');
    assert.match(again.message, /already voted/);

    const stranger = await rejection(
      handle.executeUpdate(decideUpdate, decide({ gate: 'gate', decision: 'go', approver: 'mallory' })),
    );
    assert.equal(stranger.type, 'Forbidden');

    const unknown = await rejection(
      handle.executeUpdate(decideUpdate, decide({ gate: 'nope', decision: 'go', approver: 'bob' })),
    );
    assert.equal(unknown.type, 'NotFound');

    const second = await handle.executeUpdate(
      decideUpdate,
      decide({ gate: 'gate', decision: 'go', approver: 'bob', comment: 'ship it' }),
    );
    assert.equal(second.state, 'go');

    const late = await rejection(
      handle.executeUpdate(decideUpdate, decide({ gate: 'gate', decision: 'no-go', approver: 'carol' })),
    );
    assert.equal(late.type, 'Conflict');
    assert.match(late.message, /not awaiting a decision \(state: go\)/);

    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    const g = gateOf(s);
    assert.deepEqual(
      g.votes.map((v) => [v.approver, v.decision, v.comment]),
      [
        ['alice', 'go', 'lgtm'],
        ['bob', 'go', 'ship it'],
      ],
    );
    assert.ok(g.votes.every((v) => !Number.isNaN(Date.parse(v.at))));
    // Rejected updates never touched history: exactly two decisions in the event log.
    assert.equal(s.events.filter((e) => e.type === 'decision').length, 2);
  });

  it('rejects the run on a single no-go and records it', async () => {
    const handle = await startRun(
      env.client,
      gatedPlan('nogo', { approval: { approvers: ['alice', 'bob'], quorum: 2 } }),
      { taskQueue: worker.taskQueue },
    );
    await waitForStatus(handle, (s) => gateOf(s).state === 'awaiting-approval');
    await handle.executeUpdate(decideUpdate, decide({ gate: 'gate', decision: 'go', approver: 'alice' }));
    const g = await handle.executeUpdate(
      decideUpdate,
      decide({ gate: 'gate', decision: 'no-go', approver: 'bob', comment: 'not yet' }),
    );
    assert.equal(g.state, 'no-go');
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'rejected');
    assert.match(s.cause ?? '', /no-go by bob/);
    assert.equal(stepOf(s, 'ship').state, 'pending');
  });

  it('accepts decisions by signal and records invalid signals without applying them', async () => {
    const handle = await startRun(env.client, gatedPlan('signals', { approval: { approvers: ['alice'], quorum: 1 } }), {
      taskQueue: worker.taskQueue,
    });
    await waitForStatus(handle, (s) => gateOf(s).state === 'awaiting-approval');
    await handle.signal(decideSignal, { gate: 'gate', decision: 'go', approver: 'mallory' });
    await handle.signal(decideSignal, { gate: 'gate', decision: 'maybe', approver: 'alice' } as unknown as Decision);
    await handle.signal(decideSignal, { gate: 'gate', decision: 'go', approver: 'alice', comment: 'from the UI' });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    const invalid = s.events.filter((e) => e.type === 'invalid-signal');
    assert.equal(invalid.length, 2);
    assert.match(invalid[0]?.message ?? '', /mallory.*not an approver/);
    assert.match(invalid[1]?.message ?? '', /decision: must be "go" or "no-go"/);
    assert.deepEqual(
      gateOf(s).votes.map((v) => [v.approver, v.via]),
      [['alice', 'signal']],
    );
  });

  it('queues a decision signalled before the gate is reached and applies it when the gate opens; updates are refused early', async () => {
    const plan: PhasePlan = {
      id: 'early',
      steps: [
        { id: 'slow', run: { kind: 'simulate', duration: '2s' } },
        { id: 'gate', gate: { needs: ['slow'], approval: { approvers: ['alice', 'bob'], quorum: 1 } } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    await waitForStatus(handle, (s) => s.steps[0]?.state === 'running');
    const early = await rejection(
      handle.executeUpdate(decideUpdate, decide({ gate: 'gate', decision: 'go', approver: 'bob' })),
    );
    assert.equal(early.type, 'Conflict');
    assert.match(early.message, /not awaiting a decision \(state: pending\)/);
    await handle.signal(decideSignal, { gate: 'gate', decision: 'go', approver: 'alice', comment: 'pre-approved' });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    assert.ok(s.events.some((e) => e.type === 'early-decision'));
    assert.deepEqual(
      gateOf(s).votes.map((v) => v.approver),
      ['alice'],
    );
    assert.ok(
      Date.parse(gateOf(s).votes[0]?.at ?? '') >= Date.parse(s.steps[0]?.endedAt ?? ''),
      'vote counted only after the gate opened',
    );
  });

  it('discards an early decision when the gate checks fail under ask, so approvers decide seeing them', async () => {
    const plan: PhasePlan = {
      id: 'early-ask',
      steps: [
        {
          id: 'build',
          run: { kind: 'simulate', duration: '1500ms', metrics: { warnings: 50 } },
          metrics: { warnings: {} },
        },
        {
          id: 'gate',
          gate: {
            needs: ['build'],
            checks: [{ metric: 'build.warnings', op: '<', value: 20 }],
            onCheckFailure: 'ask',
            approval: { approvers: ['alice'] },
          },
        },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    await handle.signal(decideSignal, { gate: 'gate', decision: 'go', approver: 'alice' });
    const waiting = await waitForStatus(handle, (s) => gateOf(s).state === 'awaiting-approval');
    assert.equal(gateOf(waiting).votes.length, 0);
    assert.ok(waiting.events.some((e) => e.type === 'early-decision-discarded'));
    assert.equal(gateOf(waiting).checks[0]?.passed, false);
    assert.equal(waiting.state, 'awaiting-approval');
    const g = await handle.executeUpdate(
      decideUpdate,
      decide({ gate: 'gate', decision: 'go', approver: 'alice', comment: 'accepting 50 warnings' }),
    );
    assert.equal(g.state, 'go');
    assert.equal((await waitForOutcome(handle)).outcome, 'succeeded');
  });
});

describe('checks and timeouts', () => {
  it('passes an automatic gate whose checks pass, without any vote', async () => {
    const plan = gatedPlan('auto', {
      checks: [
        { metric: 'build.warnings', op: '<=', value: 12 },
        { metric: 'build.ratio', op: '>=', value: 0.95 },
      ],
    });
    const s = await waitForOutcome(await startRun(env.client, plan, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'succeeded');
    assert.equal(gateOf(s).decidedBy, 'automatic');
    assert.ok(gateOf(s).checks.every((c) => c.passed));
  });

  it('rejects on failed checks with onCheckFailure no-go, keeping the check results', async () => {
    const plan = gatedPlan('checks-fail', {
      checks: [{ metric: 'build.warnings', op: '<', value: 10 }],
      approval: { approvers: ['alice'] },
    });
    const s = await waitForOutcome(await startRun(env.client, plan, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'rejected');
    assert.deepEqual(gateOf(s).checks, [{ metric: 'build.warnings', op: '<', value: 10, actual: 12, passed: false }]);
    assert.match(s.cause ?? '', /checks failed: build.warnings < 10 \(actual 12\)/);
  });

  // Approval timeouts (onTimeout go and no-go) run at their real 24h in engine-timers.test.ts.
});
