/**
 * The lease rules as pure functions (workflows/agent-lease.ts): a leased attempt refuses every
 * other claim, its holder's name included, unless the claim quotes the lease; reports must quote
 * the current lease; claim-next takes the oldest unleased task; the index and memo stay bounded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  agentIndex,
  pickNext,
  requireDeclaredMetrics,
  validateAgentReport,
  validateClaim,
  type OpenTask,
} from '../../workflows/agent-lease';
import type { OpenAttempt } from '../../workflows/agent-task';
import type { StepStatus } from '../../workflows/status';

function step(id: string, agent = 'coder'): StepStatus {
  return {
    id,
    type: 'task',
    agent,
    executor: 'agent',
    needs: [],
    state: 'running',
    attempts: 1,
    startedAt: null,
    endedAt: null,
    metrics: {},
    error: null,
    attemptHistory: [{ attempt: 1, startedAt: 'x' }],
  };
}

function open(openedAtMs: number, lease?: { leaseId: string; claimedBy: string }): OpenAttempt {
  return {
    state: {
      attempt: 1,
      claimedBy: lease?.claimedBy ?? null,
      claimedAt: null,
      lastHeartbeatAt: null,
      leaseId: lease?.leaseId ?? null,
      label: null,
    },
    openedAtMs,
    lastHeartbeatMs: null,
    requiredMetrics: ['warnings'],
  };
}

const rejection = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { type?: string }).type;
  }
  return undefined;
};

describe('lease rules', () => {
  it("a leased attempt is 409 for everyone, the holder's name included, unless the claim quotes its lease", () => {
    const s = step('a');
    const o = open(1, { leaseId: 'L1', claimedBy: 'coder' });
    assert.equal(
      rejection(() => validateClaim(s, o, { step: 'a', claimant: 'coder' })),
      'Conflict',
    );
    assert.equal(
      rejection(() => validateClaim(s, o, { step: 'a', claimant: 'other', leaseId: 'L1' })),
      'Conflict',
    );
    assert.equal(validateClaim(s, o, { step: 'a', claimant: 'coder', leaseId: 'L1' }), 'again');
    assert.equal(validateClaim(s, open(1), { step: 'a', claimant: 'coder' }), 'new');
    assert.equal(
      rejection(() => validateClaim(s, open(1), { step: 'a', claimant: 'coder', leaseId: "x' OR '1'='1" })),
      'Invalid',
    );
  });

  it('a lease id used on an earlier attempt is not granted again', () => {
    const s = step('a');
    s.attemptHistory = [
      { attempt: 1, startedAt: 'x', leaseId: 'old' },
      { attempt: 2, startedAt: 'y' },
    ];
    const o = open(1);
    o.state.attempt = 2;
    assert.equal(
      rejection(() => validateClaim(s, o, { step: 'a', claimant: 'coder', leaseId: 'old' })),
      'Conflict',
    );
  });

  it('reports must quote the current lease; a given claimant must hold it; a repeated completion is done', () => {
    const s = step('a');
    const o = open(1, { leaseId: 'L1', claimedBy: 'bot-1' });
    assert.equal(validateAgentReport(s, o, { step: 'a', leaseId: 'L1', progress: 'x' }, 'heartbeat'), 'open');
    assert.equal(
      rejection(() => validateAgentReport(s, o, { step: 'a', leaseId: 'L0' }, 'heartbeat')),
      'Conflict',
    );
    assert.equal(
      rejection(() => validateAgentReport(s, o, { step: 'a', leaseId: 'L1', claimant: 'bot-2' }, 'heartbeat')),
      'Forbidden',
    );
    assert.equal(
      rejection(() => validateAgentReport(s, o, { step: 'a', leaseId: 'L1', attempt: 2 }, 'heartbeat')),
      'Conflict',
    );
    o.outcome = { ok: true, metrics: {} };
    assert.equal(validateAgentReport(s, o, { step: 'a', leaseId: 'L1' }, 'complete'), 'done');
    assert.equal(
      rejection(() => validateAgentReport(s, o, { step: 'a', leaseId: 'L1', reason: 'x' }, 'fail')),
      'Conflict',
    );
  });

  it('a completion without a declared metric is Invalid, naming it', () => {
    assert.throws(
      () => requireDeclaredMetrics(open(1), { step: 'a', leaseId: 'L', metrics: { other: 1 } }),
      /missing declared metric "warnings"/,
    );
    assert.doesNotThrow(() => requireDeclaredMetrics(open(1), { step: 'a', leaseId: 'L', metrics: { warnings: 0 } }));
  });

  it('claim-next takes the oldest unleased task of the agent, or returns the lease it quotes', () => {
    const tasks: OpenTask[] = [
      { step: step('young'), open: open(30) },
      { step: step('held'), open: open(10, { leaseId: 'L9', claimedBy: 'coder' }) },
      { step: step('old'), open: open(20) },
      { step: step('theirs', 'reviewer'), open: open(5) },
    ];
    assert.equal(pickNext(tasks, { agent: 'coder', claimant: 'coder' }).task.step.id, 'old');
    const retry = pickNext(tasks, { agent: 'coder', claimant: 'coder', leaseId: 'L9' });
    assert.deepEqual([retry.task.step.id, retry.verdict], ['held', 'again']);
    assert.equal(
      rejection(() => pickNext(tasks, { agent: 'coder', claimant: 'mallory', leaseId: 'L9' })),
      'Conflict',
    );
    assert.equal(
      rejection(() => pickNext(tasks, { agent: 'nobody', claimant: 'x' })),
      'Conflict',
    );
  });

  it('the index names claimable agents and current leases; the memo lists open tasks oldest first', () => {
    const { index, memo } = agentIndex([
      { step: step('b'), open: open(2, { leaseId: 'L1', claimedBy: 'coder' }) },
      { step: step('a'), open: open(1) },
      { step: step('c', 'reviewer'), open: open(3) },
    ]);
    assert.deepEqual(index, ['claimable:coder', 'claimable:reviewer', 'lease:L1']);
    assert.deepEqual(
      memo.map((m) => [m.stepId, m.claimedBy]),
      [
        ['a', null],
        ['b', 'coder'],
        ['c', null],
      ],
    );
  });
});
