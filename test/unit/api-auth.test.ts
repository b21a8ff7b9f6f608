/**
 * Token configuration and checks (client/api/auth.ts) and the server's bind rule: both token
 * formats, errors that never echo a token, the file source, role and agent checks, and refusing a
 * non-loopback HOST without tokens.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadTokenStore,
  mayActAsAgent,
  parseTokenSpec,
  requireAgent,
  requireRole,
  TokenStore,
} from '../../client/api/auth';
import { ApiError } from '../../client/api/errors';
import { bindHost } from '../../client/api/server';

void describe('parseTokenSpec', () => {
  void test('reads the compact form token=identity:role1,role2;...', () => {
    assert.deepEqual(parseTokenSpec('t1=alice:approver,operator; t2 = bot-7 : agent ;'), {
      t1: { identity: 'alice', roles: ['approver', 'operator'] },
      t2: { identity: 'bot-7', roles: ['agent'] },
    });
  });

  void test('reads the JSON form, with optional agents', () => {
    const map = parseTokenSpec(
      JSON.stringify({ tok: { identity: 'runner', roles: ['agent'], agents: ['reviewer', 'ci'] } }),
    );
    assert.deepEqual(map.tok, { identity: 'runner', roles: ['agent'], agents: ['reviewer', 'ci'] });
  });

  void test('empty means no tokens', () => {
    assert.deepEqual(parseTokenSpec('  '), {});
  });

  void test('rejects unknown roles, missing parts and repeated tokens, naming the entry but never the token', () => {
    const secret = 'sup3r-secret-token';
    for (const spec of [
      `${secret}=alice:root`,
      `${secret}=alice`,
      `${secret}=:operator`,
      `${secret}=a:operator;${secret}=b:agent`,
    ]) {
      assert.throws(
        () => parseTokenSpec(spec),
        (err: Error) => /entry #\d/.test(err.message) && !err.message.includes(secret),
        spec,
      );
    }
    assert.throws(
      () => parseTokenSpec(JSON.stringify({ [secret]: { identity: 'x', roles: ['god'] } })),
      (err: Error) => /token #1/.test(err.message) && !err.message.includes(secret),
    );
    assert.throws(() => parseTokenSpec('{"broken": '), /malformed JSON/);
  });
});

void describe('TokenStore', () => {
  const store = new TokenStore({
    'tok-a': { identity: 'alice', roles: ['approver'] },
    'tok-r': { identity: 'runner', roles: ['agent'], agents: ['reviewer'] },
  });

  void test('authenticates known tokens only', () => {
    assert.equal(store.size, 2);
    assert.equal(store.authenticate('tok-a')?.identity, 'alice');
    assert.equal(store.authenticate('tok-r')?.identity, 'runner');
    assert.equal(store.authenticate('tok-'), undefined);
    assert.equal(store.authenticate('tok-a '), undefined);
    assert.equal(store.authenticate(''), undefined);
    assert.equal(store.authenticate('x'.repeat(10_000)), undefined);
  });

  void test('roles and agents', () => {
    const alice = store.authenticate('tok-a');
    const runner = store.authenticate('tok-r');
    assert.doesNotThrow(() => requireRole(alice, ['approver']));
    assert.throws(
      () => requireRole(alice, ['operator']),
      (e: unknown) => e instanceof ApiError && e.status === 403 && /operator/.test(e.message),
    );
    assert.doesNotThrow(() => requireRole(undefined, ['operator']), 'auth off: no role checks');
    assert.equal(mayActAsAgent(runner, 'runner'), true, 'its own identity');
    assert.equal(mayActAsAgent(runner, 'reviewer'), true, 'listed in agents');
    assert.equal(mayActAsAgent(runner, 'ci'), false);
    assert.equal(mayActAsAgent(alice, 'alice'), false, 'no agent role');
    assert.equal(mayActAsAgent(undefined, 'anyone'), true);
    assert.throws(
      () => requireAgent(runner, 'ci'),
      (e: unknown) => e instanceof ApiError && e.status === 403,
    );
  });
});

void describe('loadTokenStore', () => {
  void test('merges PHASEGATE_TOKENS and PHASEGATE_TOKENS_FILE; a token in both is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phasegate-tokens-'));
    try {
      const file = join(dir, 'tokens.json');
      writeFileSync(file, JSON.stringify({ 'file-tok': { identity: 'ops', roles: ['operator'] } }));
      const store = loadTokenStore({ PHASEGATE_TOKENS: 'env-tok=alice:approver', PHASEGATE_TOKENS_FILE: file });
      assert.equal(store.size, 2);
      assert.equal(store.authenticate('file-tok')?.identity, 'ops');
      assert.throws(
        () => loadTokenStore({ PHASEGATE_TOKENS: 'file-tok=x:agent', PHASEGATE_TOKENS_FILE: file }),
        /also defined/,
      );
      assert.throws(() => loadTokenStore({ PHASEGATE_TOKENS_FILE: join(dir, 'missing.json') }), /cannot read .*ENOENT/);
      assert.equal(loadTokenStore({}).size, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

void describe('bindHost', () => {
  const none = new TokenStore({});
  const some = new TokenStore({ t: { identity: 'a', roles: ['operator'] } });

  void test('without tokens only loopback is allowed (localhost binds 127.0.0.1)', () => {
    assert.deepEqual(bindHost({ HOST: '127.0.0.1' }, none), { host: '127.0.0.1' });
    assert.deepEqual(bindHost({ HOST: 'localhost' }, none), { host: '127.0.0.1' });
    assert.deepEqual(bindHost({ HOST: '::1' }, none), { host: '::1' });
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.internal']) {
      const r = bindHost({ HOST: host }, none);
      assert.ok('refuse' in r && /no tokens are configured/.test(r.refuse), host);
    }
  });

  void test('with tokens any host is allowed', () => {
    assert.deepEqual(bindHost({ HOST: '0.0.0.0' }, some), { host: '0.0.0.0' });
  });
});
