/** Metric extraction: `::metric` lines, regex rules, value conversion and bounds. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  extractMetrics,
  MAX_METRIC_STRING,
  MAX_METRICS,
  mergeMetrics,
  parseMetricLine,
  parseMetricLines,
  pickMetricValues,
  toMetricValue,
} from '../../activities/metrics';

describe('toMetricValue', () => {
  it('converts plain numbers, booleans, and keeps everything else as trimmed strings', () => {
    assert.equal(toMetricValue('42'), 42);
    assert.equal(toMetricValue(' -3.5 '), -3.5);
    assert.equal(toMetricValue('.5'), 0.5);
    assert.equal(toMetricValue('1e3'), 1000);
    assert.equal(toMetricValue('true'), true);
    assert.equal(toMetricValue('false'), false);
    assert.equal(toMetricValue('True'), 'True');
    assert.equal(toMetricValue(''), '');
    assert.equal(toMetricValue('0x10'), '0x10');
    assert.equal(toMetricValue('Infinity'), 'Infinity');
    assert.equal(toMetricValue('1_000'), '1_000');
    assert.equal(toMetricValue('12 ms'), '12 ms');
    assert.equal(toMetricValue(' v1.2.3 '), 'v1.2.3');
  });

  it('cuts long strings', () => {
    assert.equal((toMetricValue('x'.repeat(5000)) as string).length, MAX_METRIC_STRING);
  });
});

describe('parseMetricLines', () => {
  it('reads ::metric lines, ignores others, and the last line for a name wins', () => {
    const text = [
      'building…',
      '::metric warnings=3',
      '  ::metric ratio = 0.97\r',
      '::metric ok=true',
      '::metric version=v1.2.3 (beta)',
      'not ::metric inline=1',
      '::metric bad name=1',
      '::metric warnings=5',
      '::metricx=1',
    ].join('\n');
    assert.deepEqual(parseMetricLines(text), { warnings: 5, ratio: 0.97, ok: true, version: 'v1.2.3 (beta)' });
  });

  it('parseMetricLine returns undefined for ordinary output', () => {
    assert.equal(parseMetricLine('hello'), undefined);
    assert.deepEqual(parseMetricLine('::metric empty='), ['empty', '']);
  });

  it('stores a __proto__ metric as data, not as the prototype', () => {
    const m = parseMetricLines('::metric __proto__=1');
    assert.equal(Object.getPrototypeOf(m), Object.prototype);
    assert.deepEqual(Object.keys(m), ['__proto__']);
  });
});

describe('extractMetrics', () => {
  const out = 'test 1 passed\nbuilt in 12.5s\ncoverage: 81%\nretry…\nbuilt in 9.75s\n';

  it('uses the first capture group and the LAST match', () => {
    assert.deepEqual(extractMetrics({ build_seconds: { regex: 'built in ([0-9.]+)s' } }, { stdout: out }), {
      build_seconds: 9.75,
    });
  });

  it('uses the whole match without a capture group', () => {
    assert.deepEqual(extractMetrics({ cov: { regex: '\\d+%' } }, { stdout: out }), { cov: '81%' });
  });

  it('falls back to the whole match when the first group did not take part', () => {
    assert.deepEqual(extractMetrics({ n: { regex: '(x)?\\d+%' } }, { stdout: out }), { n: '81%' });
  });

  it('matches ^ and $ at line boundaries', () => {
    assert.deepEqual(extractMetrics({ coverage: { regex: '^coverage: (\\d+)%$' } }, { stdout: out }), { coverage: 81 });
  });

  it('reads from the declared source, stdout by default', () => {
    const sources = { stdout: 'value=1', stderr: 'value=2', body: '{"value":3}' };
    assert.deepEqual(
      extractMetrics(
        {
          a: { regex: 'value=(\\d)' },
          b: { from: 'stderr', regex: 'value=(\\d)' },
          c: { from: 'body', regex: '"value":(\\d)' },
          d: { from: 'stdout', regex: 'value=(\\d)' },
        },
        sources,
      ),
      { a: 1, b: 2, c: 3, d: 1 },
    );
  });

  it('leaves a metric absent when nothing matches, the source is missing, or the rule has no regex', () => {
    assert.deepEqual(
      extractMetrics(
        {
          missing: { regex: 'nope (\\d+)' },
          body: { from: 'body', regex: '.' },
          reported: {},
          broken: { regex: '(' },
        },
        { stdout: out },
      ),
      {},
    );
  });

  it('converts booleans from captures', () => {
    assert.deepEqual(extractMetrics({ ok: { regex: 'ok=(\\w+)' } }, { stdout: 'ok=false' }), { ok: false });
  });
});

describe('pickMetricValues and mergeMetrics', () => {
  it('keeps only finite numbers, strings and booleans of an object', () => {
    assert.deepEqual(pickMetricValues({ a: 1, b: 'x', c: true, d: null, e: { f: 1 }, g: [1], h: Number.NaN }), {
      a: 1,
      b: 'x',
      c: true,
    });
    assert.deepEqual(pickMetricValues([1, 2]), {});
    assert.deepEqual(pickMetricValues('nope'), {});
    assert.deepEqual(pickMetricValues(undefined), {});
  });

  it('later sets win and the total number of names is bounded', () => {
    assert.deepEqual(mergeMetrics({ a: 1, b: 2 }, { b: 3 }), { a: 1, b: 3 });
    const many = Object.fromEntries(Array.from({ length: MAX_METRICS + 50 }, (_, i) => [`m${i}`, i]));
    const merged = mergeMetrics(many, { m0: 'updated', extra: 1 });
    assert.equal(Object.keys(merged).length, MAX_METRICS);
    assert.equal(merged.m0, 'updated');
    assert.equal('extra' in merged, false);
  });
});
