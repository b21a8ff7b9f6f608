/**
 * Approver groups and separation of duties end to end (real dev server, real worker, the API over
 * HTTP): a `group:` approver lets its members vote and nobody else; groups come from
 * PHASEGATE_GROUPS and token `groups`; quorum counts distinct people; `separateDuties` refuses
 * (403, saying why) the run's starter and whoever held a lease on a task the gate needs; a quorum a
 * group cannot reach is refused at the start.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createApp } from '../../client/api/app';
import { TokenStore } from '../../client/api/auth';
import type { GateStatus, RunStatus } from '../../workflows/status';
import { createTestEnv, startWorker, type TestWorker } from '../helpers/temporal';
import { listenOnLoopback, type LoopbackServer } from '../helpers/http';

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let open: LoopbackServer;
let secured: LoopbackServer;
let plansDir: string;

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

before(async () => {
  plansDir = mkdtempSync(join(tmpdir(), 'phasegate-people-'));
  for (const [id, plan] of Object.entries(PLANS)) writeFileSync(join(plansDir, `${id}.json`), JSON.stringify(plan));
  env = await createTestEnv();
  worker = await startWorker(env);
  const common = {
    client: env.client,
    taskQueue: worker.taskQueue,
    plansDir,
    logger: pino({ level: 'silent' }),
    groups: { release: ['alice', 'bob'], qa: ['quinn'] },
  };
  open = await listenOnLoopback(createApp(common));
  secured = await listenOnLoopback(createApp({ ...common, tokens: new TokenStore(TOKENS as never) }));
});

after(async () => {
  await open?.close();
  await secured?.close();
  await worker?.stop();
  await env?.teardown();
  rmSync(plansDir, { recursive: true, force: true });
});

interface Reply<T> {
  status: number;
  body: T & { error?: string; details?: { path: string; message: string }[] };
}

async function call<T = Record<string, unknown>>(
  server: LoopbackServer,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  token?: string,
  extra: Record<string, string> = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> =
    method === 'POST' ? { 'content-type': 'application/json', ...extra } : { ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Reply<T>['body'] };
}

async function until(
  server: LoopbackServer,
  runId: string,
  ok: (s: RunStatus) => boolean,
  token?: string,
): Promise<RunStatus> {
  const deadline = Date.now() + 30_000;
  let last: Reply<RunStatus> | undefined;
  while (Date.now() < deadline) {
    last = await call<RunStatus>(server, 'GET', `/api/runs/${runId}`, undefined, token);
    if (last.status === 200 && ok(last.body)) return last.body;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out; last: ${JSON.stringify(last).slice(0, 2000)}`);
}

/** Claims and completes the review task as `claimant` (without tokens) or with `token`. */
async function review(
  server: LoopbackServer,
  runId: string,
  who: { claimant?: string; token?: string },
): Promise<void> {
  await until(server, runId, (s) => s.steps.some((t) => t.id === 'review' && t.state === 'running'), who.token);
  const claim = await call<{ leaseId: string; attempt: number }>(
    server,
    'POST',
    `/api/runs/${runId}/steps/review/claim`,
    who.claimant ? { claimant: who.claimant } : {},
    who.token,
  );
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  const done = await call(
    server,
    'POST',
    `/api/runs/${runId}/steps/review/complete`,
    { leaseId: claim.body.leaseId, attempt: claim.body.attempt, ...(who.claimant ? { claimant: who.claimant } : {}) },
    who.token,
  );
  assert.equal(done.status, 200, JSON.stringify(done.body));
}

const gateOf = (s: RunStatus) => s.gates.find((g) => g.id === 'ship') as GateStatus;

describe('approver groups and separation of duties', () => {
  it('without tokens: group members vote, others are refused; the reviewer may not approve its own work', async () => {
    const start = await call<{ runId: string }>(open, 'POST', '/api/runs', { plan: 'pg-sod' });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const runId = start.body.runId;
    await review(open, runId, { claimant: 'bob' });
    const waiting = await until(open, runId, (s) => gateOf(s).state === 'awaiting-approval');
    assert.deepEqual(gateOf(waiting).approverGroups, { release: ['alice', 'bob'] });
    assert.equal(gateOf(waiting).separateDuties, true);
    assert.deepEqual(waiting.steps.find((t) => t.id === 'review')?.leaseHolders, ['bob']);

    const vote = (approver: string) =>
      call<GateStatus>(open, 'POST', `/api/runs/${runId}/decisions`, { gate: 'ship', decision: 'go', approver });
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
      open,
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
    assert.equal((await until(open, runId, (s) => s.outcome !== null)).outcome, 'succeeded');
  });

  it('with tokens: token groups count, the starter is refused, the approver is the token', async () => {
    const start = await call<{ runId: string }>(secured, 'POST', '/api/runs', { plan: 'pg-sod' }, 't-olivia');
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const runId = start.body.runId;
    await review(secured, runId, { token: 't-bob' });
    const waiting = await until(secured, runId, (s) => gateOf(s).state === 'awaiting-approval', 't-alice');
    // PHASEGATE_GROUPS members and the tokens whose groups name release.
    assert.deepEqual(gateOf(waiting).approverGroups, { release: ['alice', 'bob', 'carol', 'olivia'] });
    const vote = (token: string) =>
      call<GateStatus>(secured, 'POST', `/api/runs/${runId}/decisions`, { gate: 'ship', decision: 'go' }, token);
    const starter = await vote('t-olivia');
    assert.equal(starter.status, 403);
    assert.match(
      starter.body.error ?? '',
      /"olivia" may not vote on gate "ship": separation of duties \(started the run\)/,
    );
    assert.equal((await vote('t-bob')).status, 403);
    assert.equal((await vote('t-carol')).body.state, 'awaiting-approval');
    assert.equal((await vote('t-alice')).body.state, 'go');
    const final = await until(secured, runId, (s) => s.outcome !== null, 't-alice');
    assert.deepEqual(
      gateOf(final).votes.map((v) => v.approver),
      ['carol', 'alice'],
    );
  });

  it('a quorum its group cannot reach is refused at the start, naming the path', async () => {
    const r = await call(open, 'POST', '/api/runs', { plan: 'pg-too-few' });
    assert.equal(r.status, 400);
    assert.equal(r.body.details?.[0]?.path, 'plan.steps[2].gate.approval.quorum');
    assert.match(
      r.body.details?.[0]?.message ?? '',
      /quorum 2 of gate "ship" is larger than its 1 voter\(s\) \(quinn\)/,
    );
  });
});
