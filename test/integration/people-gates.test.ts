/**
 * Approver groups and separation of duties end to end (real dev server, real worker, the API over
 * HTTP): a `group:` approver lets its members vote and nobody else; groups come from
 * PHASEGATE_GROUPS and token `groups`; quorum counts distinct people; `separateDuties` refuses
 * (403, saying why) the run's starter and whoever held a lease on a task the gate needs; a quorum a
 * group cannot reach is refused at the start.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GateStatus, RunStatus } from '../../workflows/status';
import { base, securedBase, useApi } from '../helpers/fixture';
import { gateOf, stepOf } from '../helpers/status';

const reviewThenShip = (id: string, approval: object) => ({
  id,
  steps: [
    { id: 'review', agent: 'reviewer', run: { kind: 'agent' }, retry: { maximumAttempts: 1 } },
    { id: 'build', needs: ['review'], run: { kind: 'simulate', duration: '50ms' } },
    { id: 'ship', gate: { needs: ['build'], approval } },
  ],
});
const PLANS: Record<string, object> = {
  'pg-sod': reviewThenShip('pg-sod', { approvers: ['cto', 'group:release'], quorum: 2, separateDuties: true }),
  'pg-too-few': reviewThenShip('pg-too-few', { approvers: ['group:qa'], quorum: 2 }),
};
const TOKENS = {
  't-olivia': { identity: 'olivia', roles: ['operator', 'approver'], groups: ['release'] },
  't-carol': { identity: 'carol', roles: ['approver'], groups: ['release'] },
  't-bob': { identity: 'bob', roles: ['approver', 'agent'], agents: ['reviewer'] },
  't-alice': { identity: 'alice', roles: ['approver'] },
} as const;

useApi({
  plans: PLANS,
  app: { groups: { release: ['alice', 'bob'], qa: ['quinn'] } },
  secured: TOKENS as never,
});

interface Reply<T> {
  status: number;
  body: T & { error?: string; details?: { path: string; message: string }[] };
}

async function call<T = Record<string, unknown>>(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  token?: string,
  extra: Record<string, string> = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> =
    method === 'POST' ? { 'content-type': 'application/json', ...extra } : { ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Reply<T>['body'] };
}

async function until(url: string, runId: string, ok: (s: RunStatus) => boolean, token?: string): Promise<RunStatus> {
  const deadline = Date.now() + 30_000;
  let last: Reply<RunStatus> | undefined;
  while (Date.now() < deadline) {
    last = await call<RunStatus>(url, 'GET', `/api/runs/${runId}`, undefined, token);
    if (last.status === 200 && ok(last.body)) return last.body;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out; last: ${JSON.stringify(last).slice(0, 2000)}`);
}

/** Claims and completes the review task as `claimant` (without tokens) or with `token`. */
async function review(url: string, runId: string, who: { claimant?: string; token?: string }): Promise<void> {
  await until(url, runId, (s) => s.steps.some((t) => t.id === 'review' && t.state === 'running'), who.token);
  const claim = await call<{ leaseId: string; attempt: number }>(
    url,
    'POST',
    `/api/runs/${runId}/steps/review/claim`,
    who.claimant ? { claimant: who.claimant } : {},
    who.token,
  );
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  const done = await call(
    url,
    'POST',
    `/api/runs/${runId}/steps/review/complete`,
    { leaseId: claim.body.leaseId, attempt: claim.body.attempt, ...(who.claimant ? { claimant: who.claimant } : {}) },
    who.token,
  );
  assert.equal(done.status, 200, JSON.stringify(done.body));
}

describe('approver groups and separation of duties', () => {
  it('without tokens: group members vote, others are refused; the reviewer may not approve its own work', async () => {
    const start = await call<{ runId: string }>(base, 'POST', '/api/runs', { plan: 'pg-sod' });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const runId = start.body.runId;
    await review(base, runId, { claimant: 'bob' });
    const waiting = await until(base, runId, (s) => gateOf(s, 'ship').state === 'awaiting-approval');
    assert.deepEqual(gateOf(waiting, 'ship').approverGroups, { release: ['alice', 'bob'] });
    assert.equal(gateOf(waiting, 'ship').separateDuties, true);
    assert.deepEqual(stepOf(waiting, 'review').leaseHolders, ['bob']);

    const vote = (approver: string) =>
      call<GateStatus>(base, 'POST', `/api/runs/${runId}/decisions`, { gate: 'ship', decision: 'go', approver });
    const outsider = await vote('mallory');
    assert.equal(outsider.status, 403);
    assert.match(
      outsider.body.error ?? '',
      /not an approver of gate "ship" \(approvers: cto, group:release \(alice, bob\)\)/,
    );
    const own = await vote('bob');
    assert.equal(own.status, 403);
    assert.equal(
      own.body.error,
      '"bob" may not vote on gate "ship": separation of duties (held a lease on task "review", which this gate needs)',
    );
    const first = await vote('alice');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.state, 'awaiting-approval'); // quorum 2: distinct people
    assert.equal((await vote('alice')).status, 409);
    // `phase mcp` sends its decide calls with x-phasegate-via: mcp; the vote says so.
    const second = await call<GateStatus>(
      base,
      'POST',
      `/api/runs/${runId}/decisions`,
      { gate: 'ship', decision: 'go', approver: 'cto' },
      undefined,
      { 'x-phasegate-via': 'mcp' },
    );
    assert.equal(second.body.state, 'go');
    assert.deepEqual(
      second.body.votes.map((v) => [v.approver, v.via]),
      [
        ['alice', 'update'],
        ['cto', 'mcp'],
      ],
    );
    assert.equal((await until(base, runId, (s) => s.outcome !== null)).outcome, 'succeeded');
  });

  it('with tokens: token groups count, the starter is refused, the approver is the token', async () => {
    const start = await call<{ runId: string }>(securedBase, 'POST', '/api/runs', { plan: 'pg-sod' }, 't-olivia');
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const runId = start.body.runId;
    await review(securedBase, runId, { token: 't-bob' });
    const waiting = await until(securedBase, runId, (s) => gateOf(s, 'ship').state === 'awaiting-approval', 't-alice');
    // PHASEGATE_GROUPS members and the tokens whose groups name release.
    assert.deepEqual(gateOf(waiting, 'ship').approverGroups, { release: ['alice', 'bob', 'carol', 'olivia'] });
    const vote = (token: string) =>
      call<GateStatus>(securedBase, 'POST', `/api/runs/${runId}/decisions`, { gate: 'ship', decision: 'go' }, token);
    const starter = await vote('t-olivia');
    assert.equal(starter.status, 403);
    assert.match(
      starter.body.error ?? '',
      /"olivia" may not vote on gate "ship": separation of duties \(started the run\)/,
    );
    assert.equal((await vote('t-bob')).status, 403);
    assert.equal((await vote('t-carol')).body.state, 'awaiting-approval');
    assert.equal((await vote('t-alice')).body.state, 'go');
    const final = await until(securedBase, runId, (s) => s.outcome !== null, 't-alice');
    assert.deepEqual(
      gateOf(final, 'ship').votes.map((v) => v.approver),
      ['carol', 'alice'],
    );
  });

  it('a quorum its group cannot reach is refused at the start, naming the path', async () => {
    const r = await call(base, 'POST', '/api/runs', { plan: 'pg-too-few' });
    assert.equal(r.status, 400);
    assert.equal(r.body.details?.[0]?.path, 'plan.steps[2].gate.approval.quorum');
    assert.match(
      r.body.details?.[0]?.message ?? '',
      /quorum 2 of gate "ship" is larger than its 1 voter\(s\) \(quinn\)/,
    );
  });
});
