/**
 * The HTTP layer over real sockets, with a Temporal client pointed at a closed port: everything
 * that must be decided before Temporal is involved (validation, content types, sizes, auth, 404s,
 * plan listing and validation, OpenAPI, request logs) plus the 503s when Temporal is unreachable.
 * The same app against a real Temporal is covered by test/integration/api-*.test.ts.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../../client/api/app';
import { TokenStore } from '../../client/api/auth';

/** A started app and what its log said. */
interface Harness {
  base: string;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

const connection = Connection.lazy({ address: '127.0.0.1:1' });
const client = new Client({ connection });

async function startApp(opts: { tokens?: TokenStore; plansDir: string; maxBody?: string }): Promise<Harness> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = createApp({
    client,
    taskQueue: 'unit',
    plansDir: opts.plansDir,
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
    ...(opts.maxBody ? { maxBody: opts.maxBody } : {}),
    logger: pino({ level: 'debug' }, sink),
    rpcTimeoutMs: 600,
    healthTimeoutMs: 300,
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, logs, close: () => new Promise((r) => server.close(() => r())) };
}

/** Sends a request; returns status and parsed JSON body (or text). */
async function send(
  h: Harness,
  method: string,
  path: string,
  opts: { json?: unknown; raw?: string; type?: string; token?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = opts.type ?? 'application/json';
  } else if (opts.raw !== undefined) {
    body = opts.raw;
    if (opts.type) headers['content-type'] = opts.type;
  }
  const res = await fetch(`${h.base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // leave undefined
  }
  return {
    status: res.status,
    json: json as Record<string, unknown> & { error?: string; details?: { path: string; message: string }[] },
    text,
  };
}

const TINY = {
  id: 'tiny',
  title: 'Tiny',
  steps: [{ id: 'a', agent: 'bot', run: { kind: 'simulate', duration: '10ms' } }],
};

let plansDir: string;
before(() => {
  plansDir = mkdtempSync(join(tmpdir(), 'phasegate-api-unit-'));
  writeFileSync(
    join(plansDir, 'tiny.yaml'),
    `id: tiny\ntitle: Tiny\nsteps:\n  - id: a\n    agent: bot\n    run: { kind: simulate, duration: 10ms }\n  - id: g\n    gate: { needs: [a] }\n`,
  );
  writeFileSync(join(plansDir, 'prog.yaml'), 'id: prog\nkind: program\nphases: [tiny]\n');
});
after(async () => {
  rmSync(plansDir, { recursive: true, force: true });
  await connection.close();
});

void describe('API without auth (Temporal unreachable)', () => {
  let h: Harness;
  before(async () => {
    h = await startApp({ plansDir, maxBody: '2kb' });
  });
  after(() => h.close());

  void test('GET /healthz is 503 when Temporal does not answer', async () => {
    const r = await send(h, 'GET', '/healthz');
    assert.equal(r.status, 503);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.temporal, 'unreachable');
  });

  void test('GET /api/plans lists bundled plans with their steps', async () => {
    const r = await send(h, 'GET', '/api/plans');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, [
      { id: 'prog', title: 'prog', kind: 'program', steps: [], phases: ['tiny'] },
      {
        id: 'tiny',
        title: 'Tiny',
        kind: 'phase',
        steps: [
          { id: 'a', agent: 'bot', type: 'task', executor: 'simulate', needs: [] },
          { id: 'g', type: 'gate', needs: ['a'] },
        ],
      },
    ]);
  });

  void test('POST /api/plans/validate: JSON object, {yaml}, raw YAML and text/plain', async () => {
    const ok = await send(h, 'POST', '/api/plans/validate', { json: TINY });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.ok, true);
    assert.equal((ok.json.plan as { id: string }).id, 'tiny');

    const yaml = 'id: y\nsteps:\n  - id: a\n    run: { kind: simulate }\n';
    for (const r of [
      await send(h, 'POST', '/api/plans/validate', { json: { yaml } }),
      await send(h, 'POST', '/api/plans/validate', { raw: yaml, type: 'application/yaml' }),
      await send(h, 'POST', '/api/plans/validate', { raw: yaml, type: 'text/plain; charset=utf-8' }),
    ]) {
      assert.equal(r.status, 200, r.text);
      assert.equal((r.json.plan as { id: string }).id, 'y');
    }
  });

  void test('POST /api/plans/validate: 400 lists every problem with its path', async () => {
    const bad = {
      id: 'bad',
      steps: [
        { id: 'a', run: { kind: 'simulate' } },
        { id: 'b', needs: ['zz'], run: { kind: 'simulate', duration: 'soon' } },
      ],
    };
    const r = await send(h, 'POST', '/api/plans/validate', { json: bad });
    assert.equal(r.status, 400);
    assert.equal(r.json.ok, false);
    const paths = (r.json.errors as { path: string }[]).map((e) => e.path).sort();
    assert.deepEqual(paths, ['steps[1].run.duration']);
    assert.ok(r.json.error, 'the envelope has error too');
    const cyc = await send(h, 'POST', '/api/plans/validate', {
      json: {
        id: 'c',
        steps: [
          { id: 'a', needs: ['b'], run: { kind: 'simulate' } },
          { id: 'b', needs: ['a'], run: { kind: 'simulate' } },
        ],
      },
    });
    assert.equal(cyc.status, 400);
    assert.match(JSON.stringify(cyc.json.errors), /cycle/);
    const yamlErr = await send(h, 'POST', '/api/plans/validate', { raw: 'id: [unclosed\n', type: 'application/yaml' });
    assert.equal(yamlErr.status, 400);
    assert.match(yamlErr.json.error ?? '', /malformed YAML/);
    const prog = await send(h, 'POST', '/api/plans/validate', {
      json: { id: 'p', kind: 'program', phases: ['tiny', 'ghost'] },
    });
    assert.equal(prog.status, 400);
    assert.deepEqual(prog.json.errors, [{ path: 'phases[1]', message: 'no bundled plan "ghost"' }]);
  });

  void test('POST /api/runs: validation and unknown plans are answered before Temporal', async () => {
    const bad = await send(h, 'POST', '/api/runs', {
      json: { plan: { ...TINY, steps: [{ id: 'a', needs: ['x'], run: { kind: 'simulate' } }] } },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.details, [
      { path: 'plan.steps[0].needs[0]', message: 'needs "x", which is not a step of this plan' },
    ]);
    const unknown = await send(h, 'POST', '/api/runs', { json: { plan: 'nope' } });
    assert.equal(unknown.status, 404);
    const prog = await send(h, 'POST', '/api/runs', {
      json: { plan: { id: 'p', kind: 'program', phases: ['ghost'] } },
    });
    assert.equal(prog.status, 404, 'a program naming an unknown bundled plan');
    assert.deepEqual(prog.json.details, [{ path: 'plan.phases[0]', message: 'no bundled plan "ghost"' }]);
  });

  void test('routes that need Temporal answer 503, not 500 or a hang', async () => {
    const started = Date.now();
    const r = await send(h, 'POST', '/api/runs', { json: { plan: 'tiny' } });
    assert.equal(r.status, 503, r.text);
    assert.ok(Date.now() - started < 10_000);
    assert.equal((await send(h, 'GET', '/api/runs/some-run')).status, 503);
  });

  void test('malformed requests: JSON, content type, size, unknown fields, ids, query', async () => {
    const cases: [string, Awaited<ReturnType<typeof send>>, number, RegExp | string][] = [
      [
        'bad JSON',
        await send(h, 'POST', '/api/runs', { raw: '{"plan": ', type: 'application/json' }),
        400,
        /malformed JSON/,
      ],
      ['JSON primitive', await send(h, 'POST', '/api/runs', { raw: '"tiny"', type: 'application/json' }), 400, /JSON/],
      ['array body', await send(h, 'POST', '/api/runs', { json: [1, 2] }), 400, /body/],
      [
        'form body',
        await send(h, 'POST', '/api/runs', { raw: 'plan=tiny', type: 'application/x-www-form-urlencoded' }),
        415,
        /Content-Type/,
      ],
      [
        'yaml to runs',
        await send(h, 'POST', '/api/runs', { raw: 'plan: tiny', type: 'application/yaml' }),
        415,
        /Content-Type/,
      ],
      ['no content type', await send(h, 'POST', '/api/runs', { raw: '{"plan":"tiny"}' }), 415, /Content-Type/],
      ['empty body', await send(h, 'POST', '/api/runs', { raw: '', type: 'application/json' }), 400, /body required/],
      ['too large', await send(h, 'POST', '/api/runs', { json: { plan: 'x'.repeat(5000) } }), 413, /too large/],
      ['unknown field', await send(h, 'POST', '/api/runs', { json: { plan: 'tiny', priority: 1 } }), 400, 'priority'],
      [
        'latin1 charset',
        await send(h, 'POST', '/api/runs', { raw: '{"plan":"tiny"}', type: 'application/json; charset=latin1' }),
        415,
        /charset/,
      ],
      ['traversal in run id', await send(h, 'GET', '/api/runs/..'), 404, /no route|runId/],
      ['encoded slash in run id', await send(h, 'GET', '/api/runs/a%2Fb'), 400, 'runId'],
      ['dots in run id', await send(h, 'GET', '/api/runs/a..b'), 400, 'runId'],
      ['unknown query', await send(h, 'GET', '/api/plans?verbose=1'), 400, 'verbose'],
      ['bad state', await send(h, 'GET', '/api/runs?state=exploded'), 400, 'state'],
      ['unknown route', await send(h, 'GET', '/api/nothing-here'), 404, /no route/],
      ['wrong method', await send(h, 'DELETE', '/api/runs', { json: {} }), 404, /no route/],
    ];
    for (const [name, r, status, expected] of cases) {
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.equal(typeof r.json?.error, 'string', `${name}: envelope`);
      const haystack = `${r.json.error} ${JSON.stringify(r.json.details ?? [])}`;
      if (typeof expected === 'string')
        assert.ok(haystack.includes(expected), `${name} names ${expected}: ${haystack}`);
      else assert.match(haystack, expected, name);
      assert.doesNotMatch(r.text, /at .*\.ts:\d+|node_modules/, `${name}: no stack trace`);
    }
  });

  void test('decisions without auth require approver in the body', async () => {
    const r = await send(h, 'POST', '/api/runs/r-1/decisions', { json: { gate: 'g', decision: 'go' } });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.details, [{ path: 'approver', message: 'required' }]);
  });

  void test('a field of the wrong type is named as that, not as missing', async () => {
    const wrong = await send(h, 'POST', '/api/runs/r-1/decisions', {
      json: { gate: 5, decision: 'go', approver: 'a' },
    });
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.json.details, [
      { path: 'gate', message: 'Invalid input: expected string, received number' },
    ]);
    const missing = await send(h, 'POST', '/api/runs/r-1/decisions', { json: { decision: 'go', approver: 'a' } });
    assert.deepEqual(missing.json.details, [{ path: 'gate', message: 'required (string)' }]);
  });

  void test('GET /api/openapi.json documents the routes', async () => {
    const r = await send(h, 'GET', '/api/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.json.openapi, '3.1.0');
    assert.ok((r.json.paths as Record<string, unknown>)['/api/runs/{runId}/decisions']);
  });

  void test('one structured log line per request, with runId when present', async () => {
    await send(h, 'GET', '/api/runs/log-me');
    const line = h.logs.find((l) => l.msg === 'request' && l.path === '/api/runs/log-me');
    assert.ok(line, 'a request line was logged');
    assert.equal(line.method, 'GET');
    assert.equal(line.status, 503);
    assert.equal(line.runId, 'log-me');
    assert.equal(typeof line.ms, 'number');
  });
});

void describe('API with tokens', () => {
  let h: Harness;
  const tokens = new TokenStore({
    'op-token': { identity: 'olga', roles: ['operator'] },
    'ap-token': { identity: 'alice', roles: ['approver'] },
    'ag-token': { identity: 'reviewer', roles: ['agent'] },
  });
  before(async () => {
    h = await startApp({ plansDir, tokens });
  });
  after(() => h.close());

  void test('401 without a token, with an unknown token, with a malformed header', async () => {
    const variants: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: 'Basic b3A6dG9rZW4=' },
      { authorization: 'Bearer' },
    ];
    for (const headers of variants) {
      const r = await send(h, 'GET', '/api/plans', { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(typeof r.json.error, 'string');
    }
    const missing = await fetch(`${h.base}/api/plans`);
    assert.match(missing.headers.get('www-authenticate') ?? '', /Bearer/);
  });

  void test('/healthz stays public', async () => {
    assert.equal((await send(h, 'GET', '/healthz')).status, 503);
  });

  void test('401 comes before the body is parsed', async () => {
    const r = await send(h, 'POST', '/api/runs', { raw: '{not json', type: 'application/json' });
    assert.equal(r.status, 401);
  });

  void test('403 for the wrong role', async () => {
    assert.equal((await send(h, 'POST', '/api/runs', { token: 'ap-token', json: { plan: 'tiny' } })).status, 403);
    assert.equal(
      (await send(h, 'POST', '/api/runs/r/decisions', { token: 'op-token', json: { gate: 'g', decision: 'go' } }))
        .status,
      403,
    );
    assert.equal((await send(h, 'POST', '/api/runs/r/cancel', { token: 'ag-token', json: {} })).status, 403);
    assert.equal((await send(h, 'POST', '/api/runs/r/steps/s/claim', { token: 'ap-token', json: {} })).status, 403);
    assert.equal((await send(h, 'GET', '/api/plans', { token: 'ag-token' })).status, 200, 'reading needs any token');
  });

  void test('an approver cannot name another approver', async () => {
    const r = await send(h, 'POST', '/api/runs/r/decisions', {
      token: 'ap-token',
      json: { gate: 'g', decision: 'go', approver: 'bob' },
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.details, [{ path: 'approver', message: 'not allowed when authenticated' }]);
  });

  void test("an agent token lists only its own agent's tasks", async () => {
    const r = await send(h, 'GET', '/api/agents/someone-else/tasks', { token: 'ag-token' });
    assert.equal(r.status, 403);
  });
});

void describe('unexpected errors', () => {
  void test('500 with a generic message and no internals', async () => {
    const file = join(plansDir, 'tiny.yaml');
    const h = await startApp({ plansDir: file }); // a file, not a folder: reading it as a folder fails
    try {
      const r = await send(h, 'GET', '/api/plans');
      assert.equal(r.status, 500);
      assert.deepEqual(Object.keys(r.json), ['error']);
      assert.doesNotMatch(r.text, /ENOTDIR|tiny\.yaml|at /);
      assert.ok(
        h.logs.some((l) => l.msg === 'unexpected error'),
        'the server log has the details',
      );
    } finally {
      await h.close();
    }
  });
});
