/**
 * DAG scheduling and retries through the real dev server: observed start order and overlap, the
 * maxParallel cap, and per-task retry counts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitForOutcome } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';
import { stepOf } from '../helpers/status';
import { startRun } from '../../client/runs';
import type { PhasePlan } from '../../workflows/plan/schema';
import type { StepStatus } from '../../workflows/status';

useTemporal();

const t = (iso: string | null | undefined) => Date.parse(iso ?? 'x');

describe('scheduling', () => {
  it('starts independent steps together and dependents only after their needs', async () => {
    const plan: PhasePlan = {
      id: 'order',
      steps: [
        { id: 'a', agent: 'alpha', run: { kind: 'simulate', duration: '1500ms' } },
        { id: 'b', agent: 'beta', run: { kind: 'simulate', duration: '1500ms' } },
        { id: 'c', needs: ['a', 'b'], run: { kind: 'simulate', duration: '100ms' } },
        { id: 'd', needs: ['a'], run: { kind: 'simulate', duration: '100ms' } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => stepOf(s, id)) as [
      StepStatus,
      StepStatus,
      StepStatus,
      StepStatus,
    ];
    // a and b overlap: each started before the other ended.
    assert.ok(t(a.startedAt) < t(b.endedAt) && t(b.startedAt) < t(a.endedAt), 'a and b ran in parallel');
    assert.ok(Math.abs(t(a.startedAt) - t(b.startedAt)) < 1000, 'a and b started together');
    // c waited for both, d only for a.
    assert.ok(t(c.startedAt) >= t(a.endedAt) && t(c.startedAt) >= t(b.endedAt), 'c after a and b');
    assert.ok(t(d.startedAt) >= t(a.endedAt), 'd after a');
    for (const x of [a, b, c, d]) assert.equal(x.attempts, 1);
    const started = s.events.filter((e) => e.type === 'attempt').map((e) => e.step);
    assert.deepEqual(started.slice(0, 2).sort(), ['a', 'b']);
  });

  it('never runs more than maxParallel tasks at once', async () => {
    const plan: PhasePlan = {
      id: 'capped',
      maxParallel: 2,
      steps: ['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => ({
        id,
        run: { kind: 'simulate' as const, duration: '600ms' },
      })),
    };
    const s = await waitForOutcome(await startRun(env.client, plan, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'succeeded');
    const spans = s.steps.map((x) => [t(x.startedAt), t(x.endedAt)] as const);
    for (const [start] of spans) {
      const concurrent = spans.filter(([s0, e0]) => s0 <= start && start < e0).length;
      assert.ok(concurrent <= 2, `at most 2 concurrent, saw ${concurrent}`);
    }
    const firstTwo = Math.max(
      ...spans
        .map((x) => x[0])
        .sort((x, y) => x - y)
        .slice(0, 2),
    );
    const third = spans.map((x) => x[0]).sort((x, y) => x - y)[2] as number;
    assert.ok(third >= firstTwo, 'the third task waited for a slot');
  });
});

describe('retries', () => {
  it('retries a failing task and succeeds within maximumAttempts', async () => {
    const plan: PhasePlan = {
      id: 'flaky',
      steps: [
        {
          id: 'flaky',
          retry: { maximumAttempts: 3, initialInterval: '200ms' },
          run: { kind: 'simulate', failAttempts: 2, metrics: { ok: 1 } },
          metrics: { ok: {} },
        },
      ],
    };
    const s = await waitForOutcome(await startRun(env.client, plan, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'succeeded');
    const f = stepOf(s, 'flaky');
    assert.equal(f.attempts, 3);
    assert.deepEqual(
      f.attemptHistory.map((a) => a.outcome),
      ['failed', 'failed', 'succeeded'],
    );
    assert.match(f.attemptHistory[0]?.error ?? '', /simulated failure of attempt 1/);
    assert.deepEqual(f.metrics, { ok: 1 });
    // back-off: the second retry waited about twice as long as the first.
    const gap = (i: number) => t(f.attemptHistory[i]?.startedAt) - t(f.attemptHistory[i - 1]?.endedAt);
    assert.ok(gap(1) >= 150 && gap(2) >= 350, `back-off grows: ${gap(1)}ms then ${gap(2)}ms`);
  });

  it('fails the run when retries are exhausted', async () => {
    const plan: PhasePlan = {
      id: 'broken',
      steps: [
        {
          id: 'broken',
          retry: { maximumAttempts: 2, initialInterval: '100ms' },
          run: { kind: 'simulate', failAttempts: 5 },
        },
        { id: 'after', needs: ['broken'], run: { kind: 'simulate' } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'failed');
    assert.equal(stepOf(s, 'broken').attempts, 2);
    assert.equal(stepOf(s, 'broken').state, 'failed');
    assert.equal(stepOf(s, 'after').state, 'pending');
    assert.match(s.cause ?? '', /task "broken" failed after 2 attempts/);
    await assert.rejects(handle.result(), (err: { cause?: { type?: string; message?: string } }) => {
      assert.equal(err.cause?.type, 'PhaseFailed');
      assert.match(err.cause?.message ?? '', /broken failed/);
      return true;
    });
  });
});
