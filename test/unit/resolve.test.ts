/** From plan to engine: step dependencies, effective task options (defaults merging), back-off. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffMs,
  DEFAULT_RETRY,
  DEFAULT_TASK_TIMEOUT,
  effectiveTask,
  stepNeeds,
  type EffectiveTask,
} from '../../workflows/plan/resolve';
import type { PhasePlan, Step } from '../../workflows/plan/schema';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const step = (extra: Partial<Step> = {}): Step => ({ id: 'build', run: { kind: 'simulate' }, ...extra });
const noDefaults: Pick<PhasePlan, 'defaults'> = {};

void describe('stepNeeds', () => {
  void it('is empty for a step without needs', () => {
    assert.deepEqual(stepNeeds(step()), []);
  });

  void it("returns a task's needs", () => {
    assert.deepEqual(stepNeeds(step({ needs: ['a', 'b'] })), ['a', 'b']);
  });

  void it("adds a gate's gate.needs after its step-level needs", () => {
    assert.deepEqual(stepNeeds({ needs: ['a'], gate: { needs: ['b', 'c'] } }), ['a', 'b', 'c']);
  });
});

void describe('effectiveTask: built-in defaults', () => {
  void it('applies them to a task with no settings in a plan with no defaults', () => {
    assert.deepEqual(effectiveTask(noDefaults, step()), {
      maximumAttempts: 3,
      initialIntervalMs: 1_000,
      backoffCoefficient: 2,
      maximumIntervalMs: 300_000,
      timeoutMs: 3_600_000,
      heartbeatMs: undefined,
      onFailure: 'fail',
    });
  });

  void it('matches the exported constants', () => {
    assert.deepEqual(DEFAULT_RETRY, {
      maximumAttempts: 3,
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '5m',
    });
    assert.equal(DEFAULT_TASK_TIMEOUT, '1h');
  });
});

void describe('effectiveTask: merge order task > plan.defaults > built-in', () => {
  const plan: Pick<PhasePlan, 'defaults'> = {
    defaults: {
      retry: { maximumAttempts: 5, initialInterval: '2s' },
      timeout: '2h',
      heartbeat: '30s',
      onFailure: 'hold',
    },
  };

  void it('takes plan defaults over built-in defaults', () => {
    assert.deepEqual(effectiveTask(plan, step()), {
      maximumAttempts: 5,
      initialIntervalMs: 2_000,
      backoffCoefficient: 2,
      maximumIntervalMs: 300_000,
      timeoutMs: 7_200_000,
      heartbeatMs: 30_000,
      onFailure: 'hold',
    });
  });

  void it('takes task settings over plan defaults', () => {
    const own = step({
      retry: { maximumAttempts: 2, backoffCoefficient: 3, maximumInterval: '10s' },
      timeout: '20m',
      heartbeat: '5s',
      onFailure: 'fail',
    });
    assert.deepEqual(effectiveTask(plan, own), {
      maximumAttempts: 2,
      initialIntervalMs: 2_000,
      backoffCoefficient: 3,
      maximumIntervalMs: 10_000,
      timeoutMs: 1_200_000,
      heartbeatMs: 5_000,
      onFailure: 'fail',
    });
  });

  void it('merges retry field by field, not as a whole object', () => {
    const t = effectiveTask(plan, step({ retry: { maximumAttempts: 2 } }));
    assert.equal(t.maximumAttempts, 2);
    assert.equal(t.initialIntervalMs, 2_000);
    assert.equal(t.backoffCoefficient, 2);
  });

  void it('uses plan defaults for one field and built-ins for another', () => {
    const t = effectiveTask({ defaults: { heartbeat: '1m' } }, step({ timeout: '90s' }));
    assert.equal(t.heartbeatMs, 60_000);
    assert.equal(t.timeoutMs, 90_000);
    assert.equal(t.maximumAttempts, 3);
    assert.equal(t.onFailure, 'fail');
  });
});

void describe('backoffMs', () => {
  const task = (over: Partial<EffectiveTask> = {}): EffectiveTask => ({
    ...effectiveTask(noDefaults, step()),
    ...over,
  });

  void it('waits the initial interval before the first retry (attempt 2)', () => {
    assert.equal(backoffMs(task(), 2), 1_000);
  });

  void it('grows by the coefficient per attempt', () => {
    assert.deepEqual(
      [2, 3, 4, 5, 6].map((n) => backoffMs(task(), n)),
      [1_000, 2_000, 4_000, 8_000, 16_000],
    );
    assert.deepEqual(
      [2, 3, 4].map((n) => backoffMs(task({ initialIntervalMs: 500, backoffCoefficient: 3 }), n)),
      [500, 1_500, 4_500],
    );
  });

  void it('stays constant with coefficient 1', () => {
    assert.deepEqual(
      [2, 3, 10].map((n) => backoffMs(task({ backoffCoefficient: 1 }), n)),
      [1_000, 1_000, 1_000],
    );
  });

  void it('is capped at the maximum interval', () => {
    const t = task({ maximumIntervalMs: 5_000 });
    assert.deepEqual(
      [4, 5, 6, 50].map((n) => backoffMs(t, n)),
      [4_000, 5_000, 5_000, 5_000],
    );
  });

  void it('never exceeds the cap even when the growth overflows to Infinity', () => {
    assert.equal(backoffMs(task(), 5_000), 300_000);
  });

  void it('treats attempt numbers below 2 as the first retry', () => {
    assert.equal(backoffMs(task(), 1), 1_000);
    assert.equal(backoffMs(task(), 0), 1_000);
  });
});
