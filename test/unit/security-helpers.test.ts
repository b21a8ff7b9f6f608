/** The pure pieces of the security fixes: signing, markdown escaping, the guard's parsing, policies. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { redactUrls, secretAllowed } from '../../activities/policy';
import { hostNameOf, tooDeepAt } from '../../client/api/guard';
import { parseRateLimit } from '../../client/api/overload';
import { canonicalJson, carriesInlineCode } from '../../client/api/start-policy';
import { decisionSigningText, signDecision, verifyDecision } from '../../config/signing';
import { restartDelay } from '../../scripts/supervise';
import { escapeMarkdown } from '../../workflows/markdown-escape';
import { isRefusedEnvName } from '../../workflows/plan/env-policy';

describe('decision signatures', () => {
  const d = { gate: 'release', decision: 'go', approver: 'alice', comment: 'ok' };
  it('are HMAC-SHA256 of the length-prefixed fields and the run id', () => {
    const expected = createHmac('sha256', 'k').update(decisionSigningText('run-1', d)).digest('hex');
    assert.equal(signDecision('k', 'run-1', d), `v1:${expected}`);
    assert.ok(verifyDecision('k', 'run-1', d, signDecision('k', 'run-1', d)));
  });
  it('do not verify for another run, key, field or a field moved into its neighbour', () => {
    const sig = signDecision('k', 'run-1', d);
    assert.equal(verifyDecision('k', 'run-2', d, sig), false);
    assert.equal(verifyDecision('other', 'run-1', d, sig), false);
    assert.equal(verifyDecision('k', 'run-1', { ...d, approver: 'bob' }, sig), false);
    assert.notEqual(
      decisionSigningText('r', { gate: 'a\n1:b', decision: 'go', approver: 'x' }),
      decisionSigningText('r', { gate: 'a', decision: 'go', approver: 'x' }),
    );
    assert.equal(verifyDecision('k', 'run-1', d, undefined), false);
    assert.equal(verifyDecision('k', 'run-1', d, 'v1:00'), false);
  });
});

describe('escapeMarkdown', () => {
  it('turns HTML, link syntax, table pipes, bare URLs and newlines into text', () => {
    assert.equal(escapeMarkdown('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(escapeMarkdown('[a](javascript:x)'), '\\[a\\](javascript:x)');
    assert.equal(escapeMarkdown('a|b\nc'), 'a\\|b c');
    assert.equal(escapeMarkdown('see https://evil.example'), 'see https:\\/\\/evil.example');
  });
});

describe('browser guard helpers', () => {
  it('reads host names from Host headers', () => {
    assert.equal(hostNameOf('127.0.0.1:3000'), '127.0.0.1');
    assert.equal(hostNameOf('[::1]:3000'), '::1');
    assert.equal(hostNameOf('LocalHost'), 'localhost');
    assert.equal(hostNameOf('a b'), undefined);
    assert.equal(hostNameOf(undefined), undefined);
  });
  it('finds where a value nests too deep, without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.equal(tooDeepAt({ plan: { junk: deep } }, 64), 'plan.junk.a…');
    assert.equal(tooDeepAt({ a: [{ b: 1 }] }, 64), undefined);
  });
});

describe('policies', () => {
  it('refuse loader and start-up variables, not ordinary ones', () => {
    for (const n of [
      'BASH_ENV',
      'ENV',
      'LD_PRELOAD',
      'DYLD_INSERT_LIBRARIES',
      'NODE_OPTIONS',
      'PYTHONSTARTUP',
      'BASH_FUNC_x%%',
    ])
      assert.ok(isRefusedEnvName(n), n);
    for (const n of ['PATH', 'HOME', 'CI', 'NODE_ENV', 'ENVIRONMENT']) assert.equal(isRefusedEnvName(n), false, n);
  });
  it('expand only named secrets', () => {
    const saved = process.env.PHASEGATE_SECRETS;
    process.env.PHASEGATE_SECRETS = 'A, B';
    try {
      assert.ok(secretAllowed('A') && secretAllowed('B') && secretAllowed('PHASEGATE_SECRET_X'));
      assert.equal(secretAllowed('HOME'), false);
    } finally {
      if (saved === undefined) delete process.env.PHASEGATE_SECRETS;
      else process.env.PHASEGATE_SECRETS = saved;
    }
  });
  it('redact URLs in texts', () => {
    assert.equal(redactUrls('failed: http://u:p@h:81/x?t=1#f done'), 'failed: http://h:81/x done');
  });
  it('hash plans canonically and tell inline code apart', () => {
    assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
    assert.ok(carriesInlineCode({ id: 'x', steps: [] }));
    assert.equal(carriesInlineCode({ id: 'p', kind: 'program', phases: ['a', 'b'] }), false);
    assert.ok(carriesInlineCode({ id: 'p', kind: 'program', phases: ['a', { id: 'b' }] }));
    assert.equal(carriesInlineCode('phase-7-release'), false);
  });
  it('parse rate limits and back off restarts', () => {
    assert.deepEqual(parseRateLimit('600/1m'), { limit: 600, windowMs: 60_000 });
    assert.equal(parseRateLimit('off'), undefined);
    assert.deepEqual([1, 2, 3, 10].map(restartDelay), [1_000, 2_000, 4_000, 30_000]);
  });
});
