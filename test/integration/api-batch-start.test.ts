/**
 * `POST /api/runs/batch` end to end: a real Temporal dev server and worker, the API on loopback.
 * Each item gets the result `POST /api/runs` would give it (201, 400, 404, 409), in request order
 * and without failing the others; a run id repeated in the batch is refused before anything
 * starts; the outer shape is a whole-request 400; roles and `startedBy` are the token's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { RunStatus } from '../../workflows/status';
import { base, securedBase, serveApp, useApi } from '../helpers/fixture';

const PLANS = {
  'bt-quick': { id: 'bt-quick', steps: [{ id: 'only', run: { kind: 'simulate', duration: '100ms' } }] },
};
const INLINE = { id: 'bt-inline', steps: [{ id: 'x', run: { kind: 'simulate', duration: '100ms' } }] };
const BROKEN = { id: 'bt-broken', steps: [{ id: 'a', needs: ['ghost'], run: { kind: 'simulate' } }] };

const OPS = 'tok-bt-ops-51c0';
const AUTHOR = 'tok-bt-author-77';
const APPROVER = 'tok-bt-alice-9e';
useApi({
  plans: PLANS,
  secured: {
    [OPS]: { identity: 'olga', roles: ['operator'] },
    [AUTHOR]: { identity: 'ada', roles: ['author'] },
    [APPROVER]: { identity: 'alice', roles: ['approver'] },
  },
});

interface Problem {
  path: string;
  message: string;
}
interface Result {
  status: number;
  runId?: string;
  uiUrl?: string;
  error?: string;
  details?: Problem[];
}
interface Batch {
  results: Result[];
  started: number;
  failed: number;
}
interface Reply<T> {
  status: number;
  body: T & { error?: string; details?: Problem[] };
}

async function call<T = Record<string, unknown>>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  opts: { url?: string; token?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${opts.url ?? base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Reply<T>['body'] };
}

const batch = (runs: unknown, opts: { url?: string; token?: string } = {}) =>
  call<Batch>('POST', '/api/runs/batch', runs === undefined ? {} : { runs }, opts);

describe('POST /api/runs/batch', () => {
  it('starts the good items and gives each bad one its own error, in request order', async () => {
    const taken = await call<{ runId: string }>('POST', '/api/runs', { plan: 'bt-quick', runId: 'bt-taken' });
    assert.equal(taken.status, 201);
    const r = await batch([
      { plan: 'bt-quick' },
      { plan: INLINE, runId: 'bt-inline-1' },
      { plan: 'no-such-plan' },
      { plan: BROKEN },
      { plan: 'bt-quick', runId: 'bt-inline-1' },
      { plan: 'bt-quick', runId: 'bt-taken' },
      { plan: 42 },
      { plan: 'bt-quick', colour: 'red' },
    ]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const { results } = r.body;
    assert.deepEqual(
      results.map((x) => x.status),
      [201, 201, 404, 400, 400, 409, 400, 400],
    );
    assert.deepEqual([r.body.started, r.body.failed], [2, 6]);

    assert.match(results[0]?.runId ?? '', /^bt-quick-[0-9a-f]{4}$/);
    assert.equal(results[1]?.runId, 'bt-inline-1');
    for (const started of results.slice(0, 2)) {
      assert.ok(started.uiUrl?.endsWith(`/workflows/${started.runId}`), JSON.stringify(started));
      const status = await call<RunStatus>('GET', `/api/runs/${started.runId}`);
      assert.equal(status.status, 200, 'the started run exists');
      assert.equal(status.body.runId, started.runId);
    }

    const paths = (i: number) => results[i]?.details?.map((d) => d.path);
    assert.match(results[2]?.error ?? '', /unknown plan "no-such-plan"/);
    assert.deepEqual(paths(2), ['runs[2].plan']);
    assert.match(results[3]?.error ?? '', /^invalid plan: /);
    assert.deepEqual(paths(3), ['runs[3].plan.steps[0].needs[0]']);
    assert.deepEqual(results[4]?.details, [{ path: 'runs[4].runId', message: 'same as runs[1].runId' }]);
    assert.match(results[5]?.error ?? '', /"bt-taken" is already taken/);
    assert.deepEqual(paths(5), ['runs[5].runId']);
    assert.deepEqual(paths(6), ['runs[6].plan']);
    assert.match(results[6]?.error ?? '', /^invalid request body: runs\[6\]\.plan: /);
    assert.deepEqual(results[7]?.details, [{ path: 'runs[7].colour', message: 'unknown field "colour"' }]);
    for (const failed of results.slice(2)) assert.equal(failed.runId, undefined, 'a failed item starts nothing');
  });

  it('starts more items than run at once, every result in its item`s place', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `bt-many-${i}`);
    const r = await batch(ids.map((runId) => ({ plan: 'bt-quick', runId })));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.results.map((x) => [x.status, x.runId]),
      ids.map((id) => [201, id]),
    );
    assert.deepEqual([r.body.started, r.body.failed], [25, 0]);
    assert.equal((await call('GET', `/api/runs/${ids[24]}`)).status, 200);
  });

  it('refuses a body that is not {runs: [1..100 items]} as a whole (400 naming the field)', async () => {
    const cases: [unknown, string][] = [
      [{ runs: [] }, 'runs'],
      [{ runs: Array.from({ length: 101 }, () => ({ plan: 'bt-quick' })) }, 'runs'],
      [{ runs: { plan: 'bt-quick' } }, 'runs'],
      [{ runs: 'bt-quick' }, 'runs'],
      [{}, 'runs'],
      [{ runs: [{ plan: 'bt-quick' }], dryRun: true }, 'dryRun'],
      [[{ plan: 'bt-quick' }], ''], // a bare array of start bodies is not the batch body
    ];
    for (const [body, path] of cases) {
      const r = await call('POST', '/api/runs/batch', body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.deepEqual(
        r.body.details?.map((d) => d.path),
        [path],
        JSON.stringify(r.body),
      );
      assert.equal(r.body.results, undefined);
    }
    const list = await call<{ runs: { runId: string }[] }>('GET', '/api/runs?plan=bt-quick&pageSize=200');
    assert.ok(list.body.runs.length < 101, 'the refused 101 items started nothing');
  });

  it('logs the counts on the request`s one line', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
    );
    const app = await serveApp({ logger });
    const r = await batch([{ plan: 'bt-quick' }, { plan: 'no-such-plan' }], { url: app.base });
    assert.equal(r.status, 200);
    const deadline = Date.now() + 5_000;
    let line: Record<string, unknown> | undefined;
    while (!line && Date.now() < deadline) {
      line = lines.find((l) => l.msg === 'request' && l.path === '/api/runs/batch');
      if (!line) await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(line, 'a request line');
    assert.deepEqual([line.status, line.started, line.failed], [200, 1, 1]);
  });
});

describe('POST /api/runs/batch with tokens', () => {
  const secured = (token: string) => ({ url: securedBase, token });

  it('refuses a token without the operator or author role as a whole (403)', async () => {
    const r = await batch([{ plan: 'bt-quick' }], secured(APPROVER));
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.results, undefined);
    assert.equal((await batch([{ plan: 'bt-quick' }], { url: securedBase })).status, 401);
  });

  it('starts as the token identity, and checks the inline-plan role per item', async () => {
    const r = await batch([{ plan: 'bt-quick' }, { plan: INLINE }], secured(OPS));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.results.map((x) => x.status),
      [201, 403],
      'an operator may start bundled plans, not inline ones',
    );
    assert.deepEqual(r.body.results[1]?.details, [
      { path: 'runs[1].plan', message: 'inline plans need the author role' },
    ]);
    const runId = r.body.results[0]?.runId ?? '';
    const status = await call<RunStatus>('GET', `/api/runs/${runId}`, undefined, secured(OPS));
    assert.equal(status.status, 200);
    assert.equal(status.body.startedBy, 'olga');

    const authored = await batch([{ plan: INLINE }], secured(AUTHOR));
    assert.equal(authored.body.results[0]?.status, 201, JSON.stringify(authored.body));
    const inline = await call<RunStatus>(
      'GET',
      `/api/runs/${authored.body.results[0]?.runId}`,
      undefined,
      secured(AUTHOR),
    );
    assert.equal(inline.body.startedBy, 'ada');
  });
});
