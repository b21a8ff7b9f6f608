/**
 * Auth end to end with real runs: tokens from a file, 401 for missing or wrong tokens, 403 for the
 * wrong role, the approver of a vote is the token identity (a body `approver` is refused), and an
 * agent token works only on its own agent's tasks (or those its token lists).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenStore } from '../../client/api/auth';
import type { RunStatus } from '../../workflows/status';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { base, env, tempDir, useApi } from '../helpers/fixture';
import { gateOf } from '../helpers/status';

const TOKENS = {
  'tok-ops-5b1f0c': { identity: 'olga', roles: ['operator'] },
  'tok-alice-93ad': { identity: 'alice', roles: ['approver'] },
  'tok-carol-77e2': { identity: 'carol', roles: ['approver'] },
  'tok-reviewer-1c': { identity: 'reviewer', roles: ['agent'] },
  'tok-bot-4242': { identity: 'bot-1', roles: ['agent'], agents: ['reviewer'] },
  'tok-tester-0a': { identity: 'tester', roles: ['agent'] },
};
const OPS = 'tok-ops-5b1f0c';
const ALICE = 'tok-alice-93ad';
const CAROL = 'tok-carol-77e2';
const REVIEWER = 'tok-reviewer-1c';
const BOT = 'tok-bot-4242';
const TESTER = 'tok-tester-0a';

const PLAN = {
  id: 'auth-flow',
  steps: [
    { id: 'review', agent: 'reviewer', run: { kind: 'agent' }, metrics: { score: {} } },
    { id: 'release', gate: { needs: ['review'], approval: { approvers: ['alice', 'bob'], quorum: 1 } } },
  ],
};

// The tokens come from a file, as PHASEGATE_TOKENS_FILE gives them.
useApi({
  plans: { 'auth-flow': PLAN },
  app: () => {
    writeFileSync(join(tempDir, 'tokens.conf'), JSON.stringify(TOKENS));
    return { tokens: loadTokenStore({ PHASEGATE_TOKENS_FILE: join(tempDir, 'tokens.conf') }) };
  },
});

async function call<T = Record<string, unknown>>(
  token: string | undefined,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as T & { error?: string; details?: { path: string; message: string }[] },
  };
}

describe('auth', () => {
  it('refuses a request without a token or with an unknown one (401) on every kind of route, and keeps health public', async () => {
    for (const [method, path] of [
      ['GET', '/api/plans'],
      ['GET', '/api/runs'],
      ['GET', '/api/runs/x'],
      ['GET', '/api/openapi.json'],
      ['GET', '/api/agents/reviewer/tasks'],
      ['POST', '/api/runs'],
      ['POST', '/api/plans/validate'],
    ] as const) {
      const body = method === 'POST' ? {} : undefined;
      assert.equal((await call(undefined, method, path, body)).status, 401, `${method} ${path} without a token`);
      assert.equal(
        (await call('tok-ops-5b1f0', method, path, body)).status,
        401,
        `${method} ${path} with a near-miss token`,
      );
    }
    assert.equal((await call(undefined, 'GET', '/healthz')).status, 200, 'health stays public');
  });

  it('lets each role do only its part of a real run: operators start, agents claim their own tasks, approvers vote as their token identity', async () => {
    assert.equal(
      (await call(ALICE, 'POST', '/api/runs', { plan: 'auth-flow' })).status,
      403,
      'an approver cannot start runs',
    );
    const started = await call<{ runId: string }>(OPS, 'POST', '/api/runs', { plan: 'auth-flow' });
    assert.equal(started.status, 201);
    const runId = started.body.runId;
    const handle = env.client.workflow.getHandle(runId);
    await waitForStatus(handle, (s) => s.steps[0]?.agentTask != null);
    assert.equal((await call(ALICE, 'GET', `/api/runs/${runId}`)).status, 200, 'any token may read');

    // Agent scoping: listing and acting only for its own agent name (or the token's agents list).
    assert.equal((await call(TESTER, 'GET', '/api/agents/reviewer/tasks')).status, 403);
    assert.equal(
      (await call(ALICE, 'GET', '/api/agents/reviewer/tasks')).status,
      200,
      'approvers may look at any queue',
    );
    const listed = await call<{ runId: string }[]>(REVIEWER, 'GET', '/api/agents/reviewer/tasks');
    assert.equal(listed.status, 200);
    assert.ok(listed.body.some((t) => t.runId === runId));
    assert.equal(
      (await call(TESTER, 'POST', `/api/runs/${runId}/steps/review/claim`, {})).status,
      403,
      'another agent cannot claim',
    );
    assert.equal(
      (await call(OPS, 'POST', `/api/runs/${runId}/steps/review/claim`, {})).status,
      403,
      'operators are not agents',
    );
    const claim = await call<{ claimedBy: string; attempt: number; leaseId: string }>(
      BOT,
      'POST',
      `/api/runs/${runId}/steps/review/claim`,
      {},
    );
    assert.equal(claim.status, 200, 'a token listing the agent may claim');
    assert.equal(claim.body.claimedBy, 'bot-1', 'the claimant is the token identity');
    const leaseId = claim.body.leaseId;
    assert.equal(
      (await call(REVIEWER, 'POST', `/api/runs/${runId}/steps/review/complete`, { leaseId })).status,
      403,
      'leased by bot-1, not reviewer',
    );
    assert.equal((await call(TESTER, 'POST', `/api/runs/${runId}/steps/review/heartbeat`, { leaseId })).status, 403);
    assert.equal(
      (await call(BOT, 'POST', `/api/runs/${runId}/steps/review/complete`, { leaseId, metrics: { score: 9 } })).status,
      200,
    );
    await waitForStatus(handle, (s) => s.state === 'awaiting-approval');

    // Decisions: role, identity from the token, spoofing refused, validator's approver list applies.
    assert.equal(
      (await call(OPS, 'POST', `/api/runs/${runId}/decisions`, { gate: 'release', decision: 'go' })).status,
      403,
      'operators cannot vote',
    );
    const spoof = await call(ALICE, 'POST', `/api/runs/${runId}/decisions`, {
      gate: 'release',
      decision: 'go',
      approver: 'bob',
    });
    assert.equal(spoof.status, 400);
    assert.deepEqual(spoof.body.details, [{ path: 'approver', message: 'not allowed when authenticated' }]);
    const carol = await call(CAROL, 'POST', `/api/runs/${runId}/decisions`, { gate: 'release', decision: 'go' });
    assert.equal(carol.status, 403, 'carol is an approver, but not of this gate');
    const vote = await call<{ state: string; votes: { approver: string }[] }>(
      ALICE,
      'POST',
      `/api/runs/${runId}/decisions`,
      { gate: 'release', decision: 'go', comment: 'ok' },
    );
    assert.equal(vote.status, 200);
    assert.deepEqual(
      vote.body.votes.map((v) => v.approver),
      ['alice'],
    );
    const final: RunStatus = await waitForOutcome(handle);
    assert.equal(final.outcome, 'succeeded');
    assert.equal(gateOf(final, 'release').votes[0]?.approver, 'alice');
  });

  it('refuses cancel to approvers and agents (403) and cancels for an operator (202)', async () => {
    const started = await call<{ runId: string }>(OPS, 'POST', '/api/runs', { plan: 'auth-flow' });
    const runId = started.body.runId;
    assert.equal((await call(ALICE, 'POST', `/api/runs/${runId}/cancel`)).status, 403);
    assert.equal((await call(REVIEWER, 'POST', `/api/runs/${runId}/cancel`)).status, 403);
    assert.equal((await call(OPS, 'POST', `/api/runs/${runId}/cancel`)).status, 202);
    assert.equal((await waitForOutcome(env.client.workflow.getHandle(runId))).outcome, 'cancelled');
  });
});
