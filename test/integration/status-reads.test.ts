/**
 * `GET /api/runs/:runId` under load and for big runs (issue 17): concurrent identical reads share
 * one workflow query and say how old their answer is; a run of more than 500 steps is served in
 * pages of steps (the `statusPage` query), every step still readable; small runs stay whole.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statusPageQuery, statusQuery } from '../../workflows/messages';
import type { PhasePlan } from '../../workflows/plan/schema';
import type { RunStatus } from '../../workflows/status';
import { waitForStatus } from '../helpers/temporal';
import { base, env, useApi } from '../helpers/fixture';

const instant = { kind: 'simulate', duration: '1ms' } as const;
/** 620 steps as 20 chains of 31: bigger than a whole answer (500), two pages of 500. */
const BIG: PhasePlan = {
  id: 'it-big',
  steps: Array.from({ length: 620 }, (_, i) => ({
    id: `s${i}`,
    run: { ...instant },
    ...(i % 31 ? { needs: [`s${i - 1}`] } : {}),
  })),
};
const SMALL: PhasePlan = { id: 'it-small', steps: [{ id: 'only', run: { ...instant } }] };

let bigRunId: string | undefined;

useApi({ plans: { [BIG.id]: BIG, [SMALL.id]: SMALL } });

type Paged = RunStatus & {
  statusAgeMs: number;
  stepsPage?: { offset: number; returned: number; total: number; nextCursor: string | null };
};

async function get(path: string): Promise<{ status: number; age: string | null; body: Paged & { error?: string } }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, age: res.headers.get('age'), body: (await res.json()) as Paged & { error?: string } };
}

async function startAndFinish(plan: string): Promise<string> {
  const res = await fetch(`${base}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ plan }),
  });
  const { runId } = (await res.json()) as { runId: string };
  await waitForStatus(env.client.workflow.getHandle(runId), (s) => s.outcome !== null, 120_000);
  return runId;
}

describe('status reads', () => {
  it('a small run is answered whole, as the status query, with its age', async () => {
    const runId = await startAndFinish(SMALL.id);
    const r = await get(`/api/runs/${runId}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.stepsPage, undefined, 'no page for a small run');
    assert.ok(
      typeof r.body.statusAgeMs === 'number' && r.body.statusAgeMs >= 0 && r.body.statusAgeMs <= 250,
      `statusAgeMs ${r.body.statusAgeMs}`,
    );
    assert.equal(r.age, '0');
    const { statusAgeMs: _age, ...status } = r.body;
    assert.deepEqual(status, await env.client.workflow.getHandle(runId).query(statusQuery));
  });

  it('300 concurrent reads of one run all answer 200 from a shared query', async () => {
    const runId = await startAndFinish(SMALL.id);
    const answers = await Promise.all(Array.from({ length: 300 }, () => get(`/api/runs/${runId}`)));
    assert.ok(answers.every((a) => a.status === 200));
    assert.ok(
      answers.every((a) => a.body.statusAgeMs <= 250 + 5_000),
      'each says how old it is',
    );
  });

  it('a 620-step run comes in pages; following the cursors reads every step once', async () => {
    const runId = (bigRunId = await startAndFinish(BIG.id));
    const first = await get(`/api/runs/${runId}`);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.stepsPage, { offset: 0, returned: 500, total: 620, nextCursor: '500' });
    const second = await get(`/api/runs/${runId}?cursor=${first.body.stepsPage?.nextCursor}`);
    assert.deepEqual(second.body.stepsPage, { offset: 500, returned: 120, total: 620, nextCursor: null });
    const ids = [...first.body.steps, ...second.body.steps].map((s) => s.id);
    assert.deepEqual(
      ids,
      BIG.steps.map((s) => s.id),
    );
    assert.equal(first.body.outcome, 'succeeded', 'the rest of the status is whole');
    const small = await get(`/api/runs/${runId}?steps=100&cursor=600`);
    assert.deepEqual(small.body.stepsPage, { offset: 600, returned: 20, total: 620, nextCursor: null });
  });

  it('the statusPage query clamps what it is asked', async () => {
    const runId = bigRunId ?? (await startAndFinish(BIG.id));
    const page = await env.client.workflow.getHandle(runId).query(statusPageQuery, { offset: -5, limit: 1e9 });
    assert.deepEqual(page.stepsPage, { offset: 0, returned: 620, total: 620 });
  });

  it('bad page parameters are a 400 naming the parameter', async () => {
    const runId = await startAndFinish(SMALL.id);
    for (const [q, name] of [
      ['steps=0', 'steps'],
      ['cursor=abc', 'cursor'],
    ]) {
      const r = await get(`/api/runs/${runId}?${q}`);
      assert.equal(r.status, 400, q);
      assert.match(r.body.error ?? '', new RegExp(name as string));
    }
  });
});
