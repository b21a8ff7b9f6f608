/**
 * External `agent` tasks at the workflow level (the API and CLI drive the same Updates): one claimant
 * wins a race, a missed heartbeat releases the claim and retries, completion metrics feed a gate,
 * stale reports are refused, a claim repeated with its leaseId and a repeated completion are
 * idempotent. Reports here use the pre-lease form (attempt + claimant) the recorded histories hold.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';
import { stepOf } from '../helpers/status';
import { startRun } from '../../client/runs';
import {
  agentHeartbeatUpdate,
  claimUpdate,
  completeUpdate,
  failUpdate,
  type ClaimResult,
} from '../../workflows/messages';
import type { PhasePlan } from '../../workflows/plan/schema';
import type { RunStatus } from '../../workflows/status';

useTemporal();

const review = (s: RunStatus) => stepOf(s, 'review');
const rejectedType = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (err) {
    return (err as { cause?: { type?: string } }).cause?.type;
  }
  return 'accepted';
};
const openFor = (h: WorkflowHandle) => waitForStatus(h, (s) => review(s).agentTask != null);

const plan = (id: string, extra: Partial<PhasePlan['steps'][number]> = {}): PhasePlan => ({
  id,
  steps: [
    {
      id: 'review',
      agent: 'reviewer',
      run: { kind: 'agent', instructions: 'review the diff' },
      metrics: { clippy_warnings: {} },
      retry: { maximumAttempts: 2, initialInterval: '100ms' },
      ...extra,
    },
    { id: 'gate', gate: { needs: ['review'], checks: [{ metric: 'review.clippy_warnings', op: '<', value: 20 }] } },
    // Keeps the run open a moment after the agent completes, so repeated reports meet a live run.
    { id: 'publish', needs: ['gate'], run: { kind: 'simulate', duration: '1s' } },
  ],
});

describe('agent tasks', () => {
  it('one of two racing claimants wins; the winner completes with metrics that feed the gate', async () => {
    const h = await startRun(env.client, plan('agent-race'), { taskQueue: worker.taskQueue });
    const open = await openFor(h);
    assert.equal(open.state, 'running');
    const results = await Promise.allSettled([
      h.executeUpdate(claimUpdate, { args: [{ step: 'review', claimant: 'session-a' }] }),
      h.executeUpdate(claimUpdate, { args: [{ step: 'review', claimant: 'session-b' }] }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.equal(((lost[0] as PromiseRejectedResult).reason as { cause?: { type?: string } }).cause?.type, 'Conflict');
    const claim = (won[0] as PromiseFulfilledResult<ClaimResult>).value;
    assert.equal(claim.attempt, 1);
    assert.equal(claim.instructions, 'review the diff');
    assert.deepEqual(claim.metrics, ['clippy_warnings']);
    // A claim of a leased attempt is refused for everyone, its holder's name included, unless it quotes the lease.
    assert.equal(
      await rejectedType(h.executeUpdate(claimUpdate, { args: [{ step: 'review', claimant: claim.claimedBy }] })),
      'Conflict',
    );
    const again = await h.executeUpdate(claimUpdate, {
      args: [{ step: 'review', claimant: claim.claimedBy, leaseId: claim.leaseId }],
    });
    assert.deepEqual([again.attempt, again.leaseId], [1, claim.leaseId]);
    // Completing without a metric the task declares as {} is refused, naming it.
    assert.equal(
      await rejectedType(
        h.executeUpdate(completeUpdate, { args: [{ step: 'review', leaseId: claim.leaseId, metrics: {} }] }),
      ),
      'Invalid',
    );
    const loser = claim.claimedBy === 'session-a' ? 'session-b' : 'session-a';
    assert.equal(
      await rejectedType(h.executeUpdate(completeUpdate, { args: [{ step: 'review', attempt: 1, claimant: loser }] })),
      'Conflict',
    );
    await h.executeUpdate(agentHeartbeatUpdate, {
      args: [{ step: 'review', attempt: 1, claimant: claim.claimedBy, progress: 'halfway' }],
    });
    await h.executeUpdate(completeUpdate, {
      args: [
        { step: 'review', attempt: 1, claimant: claim.claimedBy, metrics: { clippy_warnings: 7 }, summary: 'clean' },
      ],
    });
    // A repeated completion of the same attempt is accepted without effect.
    await h.executeUpdate(completeUpdate, {
      args: [{ step: 'review', attempt: 1, claimant: claim.claimedBy, metrics: { clippy_warnings: 99 } }],
    });
    const s = await waitForOutcome(h);
    assert.equal(s.outcome, 'succeeded');
    assert.deepEqual(review(s).metrics, { clippy_warnings: 7 });
    assert.equal(review(s).summary, 'clean');
    assert.equal(s.gates[0]?.checks[0]?.actual, 7);
    assert.equal(review(s).attemptHistory[0]?.claimedBy, claim.claimedBy);
  });

  it('a missed heartbeat releases the claim, the attempt retries, and a stale completion is refused', async () => {
    const h = await startRun(env.client, plan('agent-hb', { heartbeat: '1s' }), { taskQueue: worker.taskQueue });
    await openFor(h);
    await h.executeUpdate(claimUpdate, { args: [{ step: 'review', claimant: 'ghost' }] });
    const retried = await waitForStatus(h, (s) => review(s).agentTask?.attempt === 2, 15_000);
    assert.equal(retried.steps[0]?.agentTask?.claimedBy, null, 'claim released');
    assert.match(review(retried).attemptHistory[0]?.error ?? '', /no heartbeat from "ghost"/);
    assert.equal(
      await rejectedType(
        h.executeUpdate(completeUpdate, {
          args: [{ step: 'review', attempt: 1, claimant: 'ghost', metrics: { clippy_warnings: 1 } }],
        }),
      ),
      'Conflict',
    );
    const c = await h.executeUpdate(claimUpdate, { args: [{ step: 'review', claimant: 'alive' }] });
    assert.equal(c.attempt, 2);
    await h.executeUpdate(completeUpdate, {
      args: [{ step: 'review', attempt: 2, claimant: 'alive', metrics: { clippy_warnings: 3 } }],
    });
    const s = await waitForOutcome(h);
    assert.equal(s.outcome, 'succeeded');
    assert.equal(review(s).attempts, 2);
  });

  it('a non-retryable failure report fails the run; unknown steps and unclaimed reports are refused', async () => {
    const h = await startRun(env.client, plan('agent-fail'), { taskQueue: worker.taskQueue });
    await openFor(h);
    assert.equal(
      await rejectedType(h.executeUpdate(claimUpdate, { args: [{ step: 'nope', claimant: 'x' }] })),
      'NotFound',
    );
    assert.equal(
      await rejectedType(h.executeUpdate(claimUpdate, { args: [{ step: 'gate', claimant: 'x' }] })),
      'NotFound',
    );
    assert.equal(
      await rejectedType(h.executeUpdate(completeUpdate, { args: [{ step: 'review', attempt: 1, claimant: 'x' }] })),
      'Conflict',
    );
    await h.executeUpdate(claimUpdate, { args: [{ step: 'review', claimant: 'x' }] });
    await h.executeUpdate(failUpdate, {
      args: [{ step: 'review', attempt: 1, claimant: 'x', reason: 'repository is gone', retryable: false }],
    });
    const s = await waitForOutcome(h);
    assert.equal(s.outcome, 'failed');
    assert.equal(review(s).attempts, 1);
    assert.match(s.cause ?? '', /repository is gone/);
  });

  it('lists the agent in the PendingAgents search attribute while its task is open', async () => {
    const h = await startRun(env.client, plan('agent-attr'), { taskQueue: worker.taskQueue });
    await openFor(h);
    const deadline = Date.now() + 10_000;
    let found = false;
    while (!found && Date.now() < deadline) {
      for await (const wf of env.client.workflow.list({
        query: `PendingAgents = 'reviewer' AND WorkflowId = '${h.workflowId}'`,
      }))
        found = wf.workflowId === h.workflowId;
      if (!found) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(found, 'visible through visibility by PendingAgents');
    await h.cancel();
    assert.equal((await waitForOutcome(h)).outcome, 'cancelled');
  });
});
