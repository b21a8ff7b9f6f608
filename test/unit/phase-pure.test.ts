/**
 * The phase workflow's pure parts: which steps the scheduler launches in a turn, the run state of
 * a status, and the search attribute values it publishes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readySteps, type ReadinessView } from '../../workflows/phase/scheduler';
import { runStateOf, searchAttributesOf } from '../../workflows/phase/publish';
import { newRunStatus, type GateStatus, type RunStatus, type StepStatus } from '../../workflows/status';
import type { Step } from '../../workflows/plan/schema';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const task = (id: string, needs: string[] = []): Step => ({ id, needs, run: { kind: 'simulate' } }) as unknown as Step;
const gate = (id: string, needs: string[] = []): Step => ({ id, needs, gate: {} }) as unknown as Step;

function view(steps: Step[], done: Set<string>, over: Partial<ReadinessView> = {}): ReadinessView {
  const byId = new Map(steps.map((s) => [s.id, s]));
  return {
    needsOf: (id) => (byId.get(id) as unknown as { needs: string[] }).needs,
    isDone: (id) => done.has(id),
    isTask: (id) => Boolean(byId.get(id)?.run),
    running: 0,
    maxParallel: Number.POSITIVE_INFINITY,
    ...over,
  };
}

function turn(
  steps: Step[],
  v: ReadinessView,
  onLaunch: (s: Step) => void = () => undefined,
): { launched: string[]; waiting: string[] } {
  const waiting: Step[] = [];
  const launched: string[] = [];
  for (const s of readySteps(steps, v, waiting)) {
    launched.push(s.id);
    onLaunch(s);
  }
  return { launched, waiting: waiting.map((s) => s.id) };
}

void describe('readySteps', () => {
  it('launches, in plan order, the steps whose needs are all done; the rest wait', () => {
    const steps = [task('a'), task('b', ['a']), task('c'), gate('g', ['a', 'c'])];
    assert.deepEqual(turn(steps, view(steps, new Set())), { launched: ['a', 'c'], waiting: ['b', 'g'] });
    assert.deepEqual(turn(steps, view(steps, new Set(['a']))), { launched: ['a', 'b', 'c'], waiting: ['g'] });
  });

  it('counts running tasks against maxParallel, including those launched earlier in the turn', () => {
    const steps = [task('a'), task('b'), task('c')];
    assert.deepEqual(turn(steps, view(steps, new Set(), { maxParallel: 2 })), { launched: ['a', 'b'], waiting: ['c'] });
    assert.deepEqual(turn(steps, view(steps, new Set(), { maxParallel: 2, running: 2 })), {
      launched: [],
      waiting: ['a', 'b', 'c'],
    });
  });

  it('never holds back gates for maxParallel', () => {
    const steps = [task('a'), gate('g'), task('b')];
    assert.deepEqual(turn(steps, view(steps, new Set(), { maxParallel: 1 })), { launched: ['a', 'g'], waiting: ['b'] });
  });

  it('looks at each step only after the previous one was launched, so a gate that goes at once frees its dependants in the same turn', () => {
    const steps = [gate('g'), task('after', ['g'])];
    const done = new Set<string>();
    const r = turn(steps, view(steps, done), (s) => {
      if (s.id === 'g') done.add('g');
    });
    assert.deepEqual(r, { launched: ['g', 'after'], waiting: [] });
  });
});

const stepStatus = (over: Partial<StepStatus> = {}): StepStatus => ({
  id: 't',
  type: 'task',
  executor: 'agent',
  needs: [],
  state: 'running',
  attempts: 1,
  startedAt: null,
  endedAt: null,
  metrics: {},
  error: null,
  attemptHistory: [],
  ...over,
});
const gateStatus = (over: Partial<GateStatus> = {}): GateStatus => ({
  id: 'g',
  type: 'gate',
  needs: [],
  state: 'pending',
  checks: [],
  votes: [],
  quorum: 1,
  approvers: [],
  startedAt: null,
  endedAt: null,
  ...over,
});
const status = (over: Partial<RunStatus> = {}): RunStatus => ({
  ...newRunStatus('run-1', { id: 'plan' }, 'phase'),
  ...over,
});

void describe('runStateOf', () => {
  it('is the outcome once there is one, whatever else is going on', () => {
    assert.equal(runStateOf(status({ outcome: 'failed', steps: [stepStatus({ held: true })] }), true), 'failed');
  });
  it('ranks rolling-back over held over awaiting-approval over running', () => {
    const held = stepStatus({ held: true });
    const awaiting = gateStatus({ state: 'awaiting-approval' });
    assert.equal(runStateOf(status({ steps: [held], gates: [awaiting] }), true), 'rolling-back');
    assert.equal(runStateOf(status({ steps: [held], gates: [awaiting] }), false), 'held');
    assert.equal(runStateOf(status({ gates: [awaiting] }), false), 'awaiting-approval');
    assert.equal(runStateOf(status({ steps: [stepStatus()], gates: [gateStatus()] }), false), 'running');
  });
});

void describe('searchAttributesOf', () => {
  it('lists each agent with an open attempt once, sorted, and flags approvals and escalations', () => {
    const open = { attempt: 1, claimedBy: null, claimedAt: null, lastHeartbeatAt: null };
    const s = status({
      state: 'awaiting-approval',
      steps: [
        stepStatus({ id: 'a', agent: 'reviewer', agentTask: open }),
        stepStatus({ id: 'b', agent: 'coder', agentTask: open }),
        stepStatus({ id: 'c', agent: 'reviewer', agentTask: open }),
        stepStatus({ id: 'd', agent: 'idle', agentTask: null }),
      ],
      gates: [gateStatus({ state: 'awaiting-approval' })],
      escalations: [{ step: 'a', reason: 'running longer than 1h', at: '2026-01-13T22:00:00.000Z' }],
    });
    assert.deepEqual(searchAttributesOf(s), {
      state: 'awaiting-approval',
      awaitingApproval: true,
      pendingAgents: ['coder', 'reviewer'],
      escalated: true,
    });
  });
  it('is all false and empty for a fresh run', () => {
    assert.deepEqual(searchAttributesOf(status()), {
      state: 'running',
      awaitingApproval: false,
      pendingAgents: [],
      escalated: false,
    });
  });
});
