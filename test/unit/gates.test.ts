/** Gate rules: check comparison and evaluation, decision validation and its rule order, vote tally. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPasses, decisionShapeProblem, evaluateChecks, tally, validateDecision } from '../../workflows/gates';
import type { Check } from '../../workflows/plan/schema';
import type { GateStatus, MetricValue, Vote } from '../../workflows/status';
import type { Decision } from '../../workflows/messages';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const OPS: Check['op'][] = ['<', '<=', '>', '>=', '==', '!='];

function gateStatus(over: Partial<GateStatus> = {}): GateStatus {
  return {
    id: 'release',
    type: 'gate',
    needs: ['build'],
    state: 'awaiting-approval',
    checks: [],
    votes: [],
    quorum: 1,
    approvers: ['alice', 'bob', 'carol'],
    startedAt: '2026-01-13T22:00:00.000Z',
    endedAt: null,
    ...over,
  };
}
const vote = (approver: string, decision: Vote['decision'] = 'go'): Vote => ({
  approver,
  decision,
  at: '2026-01-13T22:05:00.000Z',
});
const decide = (over: Partial<Decision> = {}): Decision => ({
  gate: 'release',
  decision: 'go',
  approver: 'alice',
  ...over,
});

void describe('checkPasses: numbers', () => {
  const table: [Check['op'], number, number, boolean][] = [
    ['<', 12, 20, true],
    ['<', 20, 20, false],
    ['<=', 20, 20, true],
    ['<=', 21, 20, false],
    ['>', 0.96, 0.95, true],
    ['>', 0.95, 0.95, false],
    ['>=', 0.95, 0.95, true],
    ['>=', 0.94, 0.95, false],
    ['==', 3, 3, true],
    ['==', 3, 4, false],
    ['!=', 3, 4, true],
    ['!=', 3, 3, false],
  ];
  for (const [op, actual, value, expected] of table) {
    void it(`${actual} ${op} ${value} is ${expected}`, () => {
      assert.equal(checkPasses(op, actual, value), expected);
    });
  }
});

void describe('checkPasses: numeric strings', () => {
  void it('compares a numeric string actual as a number', () => {
    assert.equal(checkPasses('<', '12', 20), true);
    assert.equal(checkPasses('>=', '0.97', 0.95), true);
    assert.equal(checkPasses('>', '-1', 0), false);
  });

  void it('compares two numeric strings numerically, not lexically', () => {
    assert.equal(checkPasses('<', '9', '10'), true);
    assert.equal(checkPasses('>', '100', '20'), true);
  });

  void it('treats numerically equal spellings as equal', () => {
    assert.equal(checkPasses('==', '1.0', 1), true);
    assert.equal(checkPasses('==', '1.0', '1'), true);
    assert.equal(checkPasses('==', ' 5 ', 5), true);
    assert.equal(checkPasses('!=', '1.0', 1), false);
  });

  void it('fails ordering operators on non-numeric strings and the empty string', () => {
    for (const op of ['<', '<=', '>', '>='] as const) {
      assert.equal(checkPasses(op, 'fast', 5), false, `fast ${op} 5`);
      assert.equal(checkPasses(op, '', 5), false, `'' ${op} 5`);
      assert.equal(checkPasses(op, '  ', 5), false, `'  ' ${op} 5`);
    }
  });
});

void describe('checkPasses: strings and booleans', () => {
  void it('compares other strings by identity', () => {
    assert.equal(checkPasses('==', 'green', 'green'), true);
    assert.equal(checkPasses('==', 'green', 'Green'), false);
    assert.equal(checkPasses('!=', 'green', 'red'), true);
    assert.equal(checkPasses('!=', 'green', 'green'), false);
  });

  void it('compares booleans by identity, not with their string spelling', () => {
    assert.equal(checkPasses('==', true, true), true);
    assert.equal(checkPasses('==', false, true), false);
    assert.equal(checkPasses('!=', false, true), true);
    assert.equal(checkPasses('==', 'true', true), false);
    assert.equal(checkPasses('!=', 'true', true), true);
  });

  void it('fails ordering operators on booleans', () => {
    for (const op of ['<', '<=', '>', '>='] as const) assert.equal(checkPasses(op, true, 2), false, `true ${op} 2`);
  });
});

void describe('checkPasses: missing metric', () => {
  for (const op of OPS) {
    void it(`never passes ${op} when the metric is missing`, () => {
      assert.equal(checkPasses(op, undefined, 20), false);
      assert.equal(checkPasses(op, undefined, 'x'), false);
    });
  }
});

void describe('evaluateChecks', () => {
  const metrics: Record<string, Record<string, MetricValue>> = {
    'code-quality': { clippy_warnings: 12, tests_passed_ratio: '0.93' },
    build: { ok: true },
  };
  const metricsOf = (stepId: string) => metrics[stepId];

  void it('reads each metric from its step and keeps the plan order', () => {
    const checks: Check[] = [
      { metric: 'code-quality.tests_passed_ratio', op: '>=', value: 0.95 },
      { metric: 'code-quality.clippy_warnings', op: '<', value: 20 },
      { metric: 'build.ok', op: '==', value: true },
    ];
    assert.deepEqual(evaluateChecks(checks, metricsOf), [
      { metric: 'code-quality.tests_passed_ratio', op: '>=', value: 0.95, actual: '0.93', passed: false },
      { metric: 'code-quality.clippy_warnings', op: '<', value: 20, actual: 12, passed: true },
      { metric: 'build.ok', op: '==', value: true, actual: true, passed: true },
    ]);
  });

  void it('records a missing metric or step as actual null, not passed', () => {
    const checks: Check[] = [
      { metric: 'build.duration', op: '<', value: 60 },
      { metric: 'deploy.healthy', op: '!=', value: false },
    ];
    assert.deepEqual(evaluateChecks(checks, metricsOf), [
      { metric: 'build.duration', op: '<', value: 60, actual: null, passed: false },
      { metric: 'deploy.healthy', op: '!=', value: false, actual: null, passed: false },
    ]);
  });

  void it('returns nothing for a gate without checks', () => {
    assert.deepEqual(evaluateChecks([], metricsOf), []);
  });
});

void describe('decisionShapeProblem', () => {
  void it('accepts a complete decision, with or without comment', () => {
    assert.equal(decisionShapeProblem(decide()), null);
    assert.equal(decisionShapeProblem(decide({ comment: 'ship it' })), null);
  });

  void it('names the first bad field', () => {
    assert.equal(decisionShapeProblem(null), 'a decision is an object {gate, decision, approver, comment?}');
    assert.equal(decisionShapeProblem('go'), 'a decision is an object {gate, decision, approver, comment?}');
    assert.equal(decisionShapeProblem({ decision: 'go', approver: 'alice' }), 'gate: required string');
    assert.equal(decisionShapeProblem(decide({ gate: '' })), 'gate: required string');
    assert.equal(decisionShapeProblem({ ...decide(), decision: 'yes' }), 'decision: must be "go" or "no-go"');
    assert.equal(decisionShapeProblem(decide({ approver: '  ' })), 'approver: required string');
    assert.equal(decisionShapeProblem({ ...decide(), comment: 42 }), 'comment: must be a string');
  });
});

void describe('validateDecision', () => {
  void it('accepts a listed approver voting on an awaiting gate', () => {
    assert.equal(validateDecision(decide(), gateStatus()), null);
    assert.equal(
      validateDecision(
        decide({ decision: 'no-go', approver: 'carol', comment: 'not yet' }),
        gateStatus({ votes: [vote('alice')] }),
      ),
      null,
    );
  });

  void it('rejects a malformed payload as Invalid', () => {
    assert.deepEqual(validateDecision({ ...decide(), decision: 'maybe' } as unknown as Decision, gateStatus()), {
      type: 'Invalid',
      message: 'decision: must be "go" or "no-go"',
    });
  });

  void it('rejects an unknown gate as NotFound', () => {
    assert.deepEqual(validateDecision(decide({ gate: 'nope' }), undefined), {
      type: 'NotFound',
      message: 'unknown gate "nope"',
    });
  });

  void it('rejects an approver not on the list as Forbidden', () => {
    assert.deepEqual(validateDecision(decide({ approver: 'mallory' }), gateStatus()), {
      type: 'Forbidden',
      message: '"mallory" is not an approver of gate "release" (approvers: alice, bob, carol)',
    });
  });

  void it('rejects a second vote by the same approver as Conflict', () => {
    assert.deepEqual(validateDecision(decide({ decision: 'no-go' }), gateStatus({ votes: [vote('alice')] })), {
      type: 'Conflict',
      message: '"alice" has already voted on gate "release"',
    });
  });

  void it('rejects a vote on a gate not awaiting a decision as Conflict, naming its state', () => {
    for (const state of ['pending', 'checking', 'go', 'no-go'] as const) {
      assert.deepEqual(validateDecision(decide(), gateStatus({ state })), {
        type: 'Conflict',
        message: `gate "release" is not awaiting a decision (state: ${state})`,
      });
    }
  });

  void it('lets anyone vote on a gate without an approver list', () => {
    assert.equal(validateDecision(decide({ approver: 'anyone' }), gateStatus({ approvers: [] })), null);
  });

  void describe('rule order: shape, unknown gate, not on list, already voted, not awaiting', () => {
    void it('reports the shape before an unknown gate', () => {
      assert.equal(validateDecision(decide({ approver: '' }), undefined)?.type, 'Invalid');
    });

    void it('reports an unknown gate before anything about the approver', () => {
      assert.equal(validateDecision(decide({ gate: 'nope', approver: 'mallory' }), undefined)?.type, 'NotFound');
    });

    void it('reports an approver not on the list before a vote or the gate state', () => {
      const g = gateStatus({ state: 'go', votes: [vote('mallory')] });
      assert.equal(validateDecision(decide({ approver: 'mallory' }), g)?.type, 'Forbidden');
    });

    void it('reports a second vote before the gate state', () => {
      const g = gateStatus({ state: 'go', votes: [vote('alice')] });
      assert.equal(validateDecision(decide(), g)?.message, '"alice" has already voted on gate "release"');
    });
  });

  void describe('allowNotAwaiting', () => {
    void it('accepts a vote on a gate that is not awaiting yet', () => {
      assert.equal(validateDecision(decide(), gateStatus({ state: 'pending' }), true), null);
      assert.equal(validateDecision(decide(), gateStatus({ state: 'checking' }), true), null);
    });

    void it('still applies every other rule', () => {
      const pending = gateStatus({ state: 'pending', votes: [vote('alice')] });
      assert.equal(
        validateDecision(decide({ decision: 'yes' } as unknown as Partial<Decision>), pending, true)?.type,
        'Invalid',
      );
      assert.equal(validateDecision(decide(), undefined, true)?.type, 'NotFound');
      assert.equal(validateDecision(decide({ approver: 'mallory' }), pending, true)?.type, 'Forbidden');
      assert.equal(validateDecision(decide(), pending, true)?.type, 'Conflict');
    });
  });
});

void describe('tally', () => {
  const twoOfThree = (votes: Vote[]) => tally({ quorum: 2, votes });

  void it('waits with no votes', () => {
    assert.equal(twoOfThree([]), 'awaiting-approval');
  });

  void it('waits with one go vote of the two needed', () => {
    assert.equal(twoOfThree([vote('alice')]), 'awaiting-approval');
  });

  void it('passes with two distinct go votes', () => {
    assert.equal(twoOfThree([vote('alice'), vote('bob')]), 'go');
  });

  void it('counts repeated go votes of one approver once', () => {
    assert.equal(twoOfThree([vote('alice'), vote('alice')]), 'awaiting-approval');
  });

  void it('rejects on any no-go, even after the quorum of go votes', () => {
    assert.equal(twoOfThree([vote('alice', 'no-go')]), 'no-go');
    assert.equal(twoOfThree([vote('alice'), vote('bob'), vote('carol', 'no-go')]), 'no-go');
  });

  void it('passes quorum 1 with a single go vote', () => {
    assert.equal(tally({ quorum: 1, votes: [vote('cto')] }), 'go');
  });
});
