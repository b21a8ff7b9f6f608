/** The API's status cache: identical reads share one load, answers are reused briefly and say how old they are. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusCache } from '../../client/api/status-cache';
import { pageKey, pageRequest, RunStatusQuerySchema } from '../../client/api/status-pages';
import { statusPage } from '../../workflows/status-page';
import type { RunStatus } from '../../workflows/status';

/** A load that resolves when told to, counting its calls. */
function gatedLoad<T>(value: T) {
  let calls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  return {
    load: async () => {
      calls++;
      await gate;
      return value;
    },
    calls: () => calls,
    release: () => release(),
  };
}

describe('StatusCache', () => {
  it('300 identical reads in flight share one load', async () => {
    const cache = new StatusCache<string>();
    const g = gatedLoad('s');
    const reads = Array.from({ length: 300 }, () => cache.read('run-1', g.load));
    g.release();
    const got = await Promise.all(reads);
    assert.equal(g.calls(), 1);
    assert.ok(got.every((r) => r.value === 's'));
  });

  it('reuses an answer for maxAgeMs and says how old it is, then loads again', async () => {
    let t = 1_000;
    const cache = new StatusCache<number>(250, 10, () => t);
    let loads = 0;
    const load = async () => ++loads;
    assert.deepEqual(await cache.read('r', load), { value: 1, ageMs: 0 });
    t += 200;
    assert.deepEqual(await cache.read('r', load), { value: 1, ageMs: 200 });
    t += 100;
    assert.deepEqual(await cache.read('r', load), { value: 2, ageMs: 0 }, 'older than 250 ms: a fresh load');
  });

  it('shares a failure with the reads that joined it, but never reuses it', async () => {
    const cache = new StatusCache<number>();
    let loads = 0;
    const failing = async () => {
      loads++;
      throw new Error('no worker');
    };
    const both = await Promise.allSettled([cache.read('r', failing), cache.read('r', failing)]);
    assert.ok(both.every((r) => r.status === 'rejected'));
    assert.equal(loads, 1);
    assert.equal((await cache.read('r', async () => 7)).value, 7, 'the next read loads again');
  });

  it('invalidate drops the run and its paged reads, not other runs', async () => {
    const cache = new StatusCache<string>();
    await cache.read('a', async () => 'a');
    await cache.read('a?0:100', async () => 'a-page');
    await cache.read('ab', async () => 'ab');
    cache.invalidate('a');
    assert.equal(cache.size, 1);
    assert.equal((await cache.read('a', async () => 'a2')).value, 'a2');
  });

  it('keeps at most maxEntries keys, dropping the oldest', async () => {
    const cache = new StatusCache<number>(250, 3);
    for (let i = 0; i < 5; i++) await cache.read(`r${i}`, async () => i);
    assert.equal(cache.size, 3);
    assert.equal((await cache.read('r0', async () => 99)).value, 99, 'r0 was dropped');
  });
});

describe('status page requests', () => {
  it('no parameters: the whole status of a small run, keyed by the run id alone', () => {
    const page = pageRequest(RunStatusQuerySchema.parse({}));
    assert.deepEqual(page, { offset: 0, limit: 500, explicit: false });
    assert.equal(pageKey('run-1', page), 'run-1');
  });

  it('steps and cursor ask for a page', () => {
    const page = pageRequest(RunStatusQuerySchema.parse({ steps: '100', cursor: '500' }));
    assert.deepEqual(page, { offset: 500, limit: 100, explicit: true });
    assert.equal(pageKey('run-1', page), 'run-1?500:100');
  });

  it('bad values are refused, naming the parameter', () => {
    for (const [q, field] of [
      [{ steps: '0' }, 'steps'],
      [{ steps: '5000' }, 'steps'],
      [{ cursor: 'abc' }, 'cursor'],
      [{ page: '2' }, ''],
    ] as const) {
      const r = RunStatusQuerySchema.safeParse(q);
      assert.equal(r.success, false, JSON.stringify(q));
      if (field) assert.equal(r.error?.issues[0]?.path[0], field);
    }
  });
});

describe('statusPage (the workflow query)', () => {
  const status = {
    steps: Array.from({ length: 7 }, (_, i) => ({ id: `s${i}` })),
    gates: [{ id: 'g' }],
  } as unknown as RunStatus;

  it('returns one page of steps, the rest of the status whole, and where the page sits', () => {
    const page = statusPage(status, { offset: 5, limit: 10 });
    assert.deepEqual(
      page.steps.map((s) => s.id),
      ['s5', 's6'],
    );
    assert.deepEqual(page.stepsPage, { offset: 5, returned: 2, total: 7 });
    assert.deepEqual(page.gates, status.gates);
  });

  it('clamps what it is asked (the query input is untrusted)', () => {
    assert.deepEqual(statusPage(status, { offset: -3, limit: 0 }).stepsPage, { offset: 0, returned: 1, total: 7 });
    assert.deepEqual(statusPage(status, { offset: 99, limit: 2 }).stepsPage, { offset: 7, returned: 0, total: 7 });
    assert.deepEqual(statusPage(status, undefined).stepsPage, { offset: 0, returned: 7, total: 7 });
    assert.deepEqual(statusPage(status, { offset: 'x', limit: 1e9 } as never).stepsPage, {
      offset: 0,
      returned: 7,
      total: 7,
    });
  });
});
