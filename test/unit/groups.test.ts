/** Approver groups and separation of duties: parsing, resolution, plan rules, vote validation. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupDirectory, groupsNamedBy, parseGroupSpec } from '../../client/groups';
import { pendingGates } from '../../client/mcp/tools/decisions';
import { barredVoters, tally, validateDecision } from '../../workflows/gates';
import { eligibleVoters, unreachableQuorums } from '../../workflows/plan/groups';
import { validatePlan } from '../../workflows/plan/validate';
import type { GateStatus } from '../../workflows/status';

const gate = (approvers: string[], over: Partial<GateStatus> = {}): GateStatus => ({
  id: 'release',
  type: 'gate',
  needs: ['build'],
  state: 'awaiting-approval',
  checks: [],
  votes: [],
  quorum: 1,
  approvers,
  startedAt: '2026-01-13T22:00:00.000Z',
  endedAt: null,
  ...over,
});
const decide = (approver: string) => ({ gate: 'release', decision: 'go' as const, approver });

void describe('PHASEGATE_GROUPS', () => {
  void it('parses release=alice,bob;qa=carol, merging a group listed twice', () => {
    assert.deepEqual(parseGroupSpec('release=alice, bob; qa=carol;release=dave'), {
      release: ['alice', 'bob', 'dave'],
      qa: ['carol'],
    });
    assert.deepEqual(parseGroupSpec(''), {});
  });
  void it('names the bad entry', () => {
    assert.throws(() => parseGroupSpec('release=alice;oops'), /entry #2: expected group=member1,member2/);
    assert.throws(() => parseGroupSpec('Bad Name=alice'), /entry #1: "Bad Name" is not a group name/);
  });
  void it('the directory merges environment groups and token groups', () => {
    const dir = new GroupDirectory({ release: ['alice'] }, [{ identity: 'bob', groups: ['release', 'qa'] }]);
    assert.deepEqual(dir.membersOf('release'), ['alice', 'bob']);
    assert.deepEqual(dir.groupsOf('bob'), ['qa', 'release']);
    const plan = {
      id: 'p',
      steps: [{ id: 'g', gate: { approval: { approvers: ['cto', 'group:release', 'group:nobody'] } } }],
    };
    assert.deepEqual(groupsNamedBy(plan), ['nobody', 'release']);
    assert.deepEqual(dir.resolveFor(plan), { nobody: [], release: ['alice', 'bob'] });
  });
});

void describe('plans with groups', () => {
  const plan = (approval: object) => ({
    id: 'p',
    steps: [
      { id: 'b', run: { kind: 'simulate' } },
      { id: 'g', gate: { needs: ['b'], approval } },
    ],
  });
  void it('a quorum above the people listed is fine when a group is listed; without one it is refused', () => {
    assert.equal(validatePlan(plan({ approvers: ['cto', 'group:release-managers'], quorum: 3 })).ok, true);
    const bad = validatePlan(plan({ approvers: ['cto'], quorum: 2 }));
    assert.equal(bad.ok, false);
  });
  void it('refuses a malformed group name and accepts separateDuties', () => {
    const bad = validatePlan(plan({ approvers: ['group:Release Managers'] }));
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.errors[0]?.path ?? '', /approvers\[0\]/);
    assert.equal(validatePlan(plan({ approvers: ['cto'], separateDuties: true })).ok, true);
  });
  void it('at the start, a quorum the resolved voters cannot reach is named by path', () => {
    const steps = [{ id: 'b' }, { id: 'g', gate: { approval: { approvers: ['cto', 'group:release'], quorum: 3 } } }];
    assert.deepEqual(unreachableQuorums(steps, { release: ['alice', 'bob'] }), []);
    const problems = unreachableQuorums(steps, { release: ['alice'] });
    assert.equal(problems[0]?.path, 'steps[1].gate.approval.quorum');
    assert.match(problems[0]?.message ?? '', /larger than its 2 voter\(s\) \(alice, cto\)/);
  });
});

void describe('votes with groups and separation of duties', () => {
  const groups = { release: ['alice', 'bob'] };
  void it('a group member may vote; a non-member is refused with the group resolved to people', () => {
    const g = gate(['cto', 'group:release']);
    assert.equal(validateDecision(decide('bob'), g, false, { groups }), null);
    assert.equal(validateDecision(decide('cto'), g, false, { groups }), null);
    const refused = validateDecision(decide('mallory'), g, false, { groups });
    assert.equal(refused?.type, 'Forbidden');
    assert.match(refused?.message ?? '', /approvers: cto, group:release \(alice, bob\)/);
    // The literal "group:release" is not a person.
    assert.equal(validateDecision(decide('group:release'), g, false, { groups })?.type, 'Forbidden');
    assert.deepEqual(eligibleVoters(g.approvers, groups), ['alice', 'bob', 'cto']);
  });
  void it('quorum counts distinct identities, whichever entry let them vote', () => {
    const g = gate(['alice', 'group:release'], { quorum: 2, votes: [{ approver: 'alice', decision: 'go', at: 'x' }] });
    assert.equal(validateDecision(decide('alice'), g, false, { groups })?.type, 'Conflict');
    assert.equal(tally(g), 'awaiting-approval');
    assert.equal(tally({ ...g, votes: [...g.votes, { approver: 'bob', decision: 'go', at: 'y' }] }), 'go');
  });
  void it('separateDuties bars the starter and the lease holders of the tasks the gate needs, saying why', () => {
    const steps = [
      { id: 'build', leaseHolders: ['agent-7', 'bob'] },
      { id: 'docs', leaseHolders: ['carol'] },
    ];
    const barred = barredVoters('olivia', steps, new Set(['build']));
    assert.deepEqual(
      barred.map((b) => b.identity),
      ['olivia', 'agent-7', 'bob'],
    );
    const g = gate(['group:release', 'olivia', 'carol']);
    const r = validateDecision(decide('bob'), g, false, { groups, barred });
    assert.equal(r?.type, 'Forbidden');
    assert.equal(
      r?.message,
      '"bob" may not vote on gate "release": separation of duties (held a lease on task "build", which this gate needs)',
    );
    assert.match(validateDecision(decide('olivia'), g, false, { groups, barred })?.message ?? '', /started the run/);
    assert.equal(validateDecision(decide('carol'), g, false, { groups, barred }), null);
    assert.equal(validateDecision(decide('alice'), g, false, { groups, barred }), null);
    assert.deepEqual(barredVoters(null, steps, new Set()), []);
  });
});

void describe('groups outside the run', () => {
  void it('MCP pending_decisions lists a group gate for its members only', () => {
    const status = {
      runId: 'r',
      plan: 'p',
      title: 't',
      gates: [gate(['cto', 'group:release'], { approverGroups: { release: ['alice', 'bob'] } })],
    } as never;
    assert.deepEqual(
      pendingGates(status, 'alice').map((g) => g.gate),
      ['release'],
    );
    assert.deepEqual(pendingGates(status, 'mallory'), []);
    assert.deepEqual(
      pendingGates(status, 'cto').map((g) => g.gate),
      ['release'],
    );
  });
});
