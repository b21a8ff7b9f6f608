/** Run failure types: the outcome ⇄ type maps, the cause-chain walk and the bounded event log. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import {
  FAILURE_TYPE_OF_OUTCOME,
  OUTCOME_OF_FAILURE_TYPE,
  applicationFailureOf,
  errorMessage,
  outcomeOf,
  outcomeOfFailure,
  runFailure,
} from '../../workflows/failures';
import { KEEP_FIRST_EVENTS, MAX_EVENTS, appendEvent } from '../../workflows/lifecycle';
import { newRunStatus } from '../../workflows/status';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

void describe('outcome ⇄ failure type', () => {
  it('keeps the type names clients match on', () => {
    assert.deepEqual(FAILURE_TYPE_OF_OUTCOME, {
      rejected: 'PhaseRejected',
      failed: 'PhaseFailed',
      'timed-out': 'PhaseTimedOut',
      cancelled: 'PhaseCancelled',
    });
  });
  it('maps each type back to its outcome', () => {
    for (const [outcome, type] of Object.entries(FAILURE_TYPE_OF_OUTCOME))
      assert.equal(OUTCOME_OF_FAILURE_TYPE[type], outcome);
  });
  it('builds a non-retryable failure whose details carry outcome and run id', () => {
    const f = runFailure('release', 'release-1a2b', 'timed-out', 'deadline of 1h passed');
    assert.equal(f.type, 'PhaseTimedOut');
    assert.equal(f.message, 'release timed-out: deadline of 1h passed');
    assert.equal(f.nonRetryable, true);
    assert.deepEqual(f.details, [{ outcome: 'timed-out', runId: 'release-1a2b' }]);
  });
});

void describe('cause chain', () => {
  const inner = ApplicationFailure.create({
    type: 'PhaseRejected',
    message: 'gate "g": no-go by alice',
    nonRetryable: true,
  });
  const wrapped = new Error('child workflow failed', { cause: new Error('middle', { cause: inner }) });

  it('errorMessage is the innermost message', () => {
    assert.equal(errorMessage(wrapped), 'gate "g": no-go by alice');
    assert.equal(errorMessage(new Error('plain')), 'plain');
    assert.equal(errorMessage('not an error'), 'not an error');
  });
  it('applicationFailureOf finds the first ApplicationFailure', () => {
    assert.equal(applicationFailureOf(wrapped), inner);
    assert.equal(applicationFailureOf(new Error('x')), undefined);
  });
  it('outcomeOf reads a run failure type anywhere in the chain, cancellation as cancelled, anything else as failed', () => {
    assert.equal(outcomeOfFailure(wrapped), 'rejected');
    assert.equal(outcomeOf(wrapped), 'rejected');
    assert.equal(outcomeOf(new CancelledFailure('cancelled')), 'cancelled');
    assert.equal(outcomeOf(ApplicationFailure.create({ type: 'SomethingElse', message: 'x' })), 'failed');
    assert.equal(outcomeOf(new Error('boom')), 'failed');
  });
});

void describe('appendEvent', () => {
  it('keeps the first entries and the newest, counting the dropped ones', () => {
    const s = newRunStatus('r', { id: 'p' }, 'phase');
    for (let i = 0; i < MAX_EVENTS + 10; i++) appendEvent(s, 'tick', `event ${i}`, i % 2 ? 'step' : undefined);
    assert.equal(s.events.length, MAX_EVENTS);
    assert.equal(s.eventsDropped, 10);
    assert.equal(s.events[KEEP_FIRST_EVENTS - 1]?.message, `event ${KEEP_FIRST_EVENTS - 1}`);
    assert.equal(s.events[KEEP_FIRST_EVENTS]?.message, `event ${KEEP_FIRST_EVENTS + 10}`);
    assert.equal(s.events.at(-1)?.message, `event ${MAX_EVENTS + 9}`);
    assert.equal('step' in (s.events[0] ?? {}), false);
  });
});
