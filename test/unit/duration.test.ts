/** Plan durations: syntax, parsing to milliseconds, short human formatting. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, isDuration, parseDuration } from '../../workflows/plan/duration';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

const MALFORMED = [
  '5 minutes',
  '10',
  '-1s',
  '1x',
  '',
  ' 5s',
  '5s ',
  '1h 30m',
  '5S',
  '5sec',
  '.5s',
  '1.s',
  '1e3ms',
  '+5s',
  's',
  '1h-30m',
];

void describe('isDuration', () => {
  void it('accepts a number with each unit', () => {
    for (const text of ['500ms', '30s', '15m', '6h', '2d', '1w', '0s']) assert.equal(isDuration(text), true, text);
  });

  void it('accepts fractions and compounds', () => {
    for (const text of ['1.5s', '0.25h', '1h30m', '1d12h', '2m30s500ms']) assert.equal(isDuration(text), true, text);
  });

  void it('rejects text without a unit, with spaces, signs, unknown or upper-case units', () => {
    for (const text of MALFORMED) assert.equal(isDuration(text), false, JSON.stringify(text));
  });
});

void describe('parseDuration', () => {
  void it('converts each unit to milliseconds', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('6h'), 21_600_000);
    assert.equal(parseDuration('2d'), 172_800_000);
    assert.equal(parseDuration('1w'), 604_800_000);
    assert.equal(parseDuration('0s'), 0);
  });

  void it('reads `m` as minutes and `ms` as milliseconds', () => {
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('1ms'), 1);
    assert.equal(parseDuration('1m1ms'), 60_001);
  });

  void it('adds up the parts of a compound', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1d12h'), 129_600_000);
    assert.equal(parseDuration('2m30s500ms'), 150_500);
  });

  void it('scales fractions and rounds to whole milliseconds', () => {
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration('0.25h'), 900_000);
    assert.equal(parseDuration('1.0004s'), 1_000);
  });

  void it('throws a RangeError naming malformed text', () => {
    for (const text of ['5 minutes', '10', '-1s', '1x']) {
      assert.throws(() => parseDuration(text), {
        name: 'RangeError',
        message: `malformed duration "${text}" (use e.g. 500ms, 30s, 15m, 6h, 2d; at most 100 years)`,
      });
    }
  });

  void it('returns a finite number for everything isDuration accepts', () => {
    const huge = `${'9'.repeat(400)}d`;
    assert.ok(!isDuration(huge) || Number.isFinite(parseDuration(huge)), 'accepted, yet parses to Infinity');
  });
});

void describe('formatDuration', () => {
  void it('shows milliseconds below one second', () => {
    assert.equal(formatDuration(0), '0ms');
    assert.equal(formatDuration(350), '350ms');
    assert.equal(formatDuration(999), '999ms');
  });

  void it('shows whole seconds, rounded', () => {
    assert.equal(formatDuration(1_000), '1s');
    assert.equal(formatDuration(42_000), '42s');
    assert.equal(formatDuration(1_499), '1s');
    assert.equal(formatDuration(1_500), '2s');
  });

  void it('keeps the two largest non-zero units', () => {
    assert.equal(formatDuration(61_000), '1m 1s');
    assert.equal(formatDuration(3_900_000), '1h 5m');
    assert.equal(formatDuration(90_061_000), '1d 1h');
  });

  void it('skips units that are zero', () => {
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(3_605_000), '1h 5s');
    assert.equal(formatDuration(86_400_000), '1d');
  });

  void it('shows weeks as days', () => {
    assert.equal(formatDuration(parseDuration('1w')), '7d');
  });

  void it('round-trips single-unit durations', () => {
    for (const text of ['30s', '15m', '6h', '2d']) assert.equal(formatDuration(parseDuration(text)), text);
  });

  void it('does not show 1000ms for values just under a second', () => {
    assert.equal(formatDuration(999.6), '1s');
  });
});
