/**
 * Row 9 of the security review: with tokens, the identity that holds an agent task is the token's,
 * whatever the body says (`claimant` may only label the lease), on the step claim and on claim-next.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TokenStore } from '../../client/api/auth';
import type { RunStatus } from '../../workflows/status';
import type { LoopbackServer } from '../helpers/http';
import { createTestEnv, startWorker, waitForStatus, type TestWorker } from '../helpers/temporal';
import { json, serveApi } from './helpers';

const TOKENS = new TokenStore({
  'tok-author': { identity: 'ann', roles: ['author', 'operator'] },
  'tok-reviewer': { identity: 'reviewer', roles: ['agent'] },
});
const PLAN = {
  id: 'identity',
  steps: [
    { id: 'review', agent: 'reviewer', run: { kind: 'agent' } },
    { id: 'review-2', agent: 'reviewer', run: { kind: 'agent' } },
  ],
};

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let api: LoopbackServer;

before(async () => {
  env = await createTestEnv();
  worker = await startWorker(env);
  api = await serveApi(env, worker.taskQueue, { tokens: TOKENS });
});

after(async () => {
  await api?.close();
  await worker?.stop();
  await env?.teardown();
});

describe('row 9: agent identity comes from the token', () => {
  it('a body claimant cannot make another identity hold the lease (step claim and claim-next)', async () => {
    const started = await json(api.base, 'POST', '/api/runs', { plan: PLAN }, 'tok-author');
    assert.equal(started.status, 201, started.text);
    const runId = (started.json as { runId: string }).runId;
    await waitForStatus(
      env.client.workflow.getHandle(runId),
      (s) => s.steps.every((x) => x.state === 'running'),
      60_000,
    );
    const claim = await json(
      api.base,
      'POST',
      `/api/runs/${runId}/steps/review/claim`,
      { claimant: 'other-agent' },
      'tok-reviewer',
    );
    assert.equal(claim.status, 200, claim.text);
    assert.equal((claim.json as { claimedBy: string }).claimedBy, 'reviewer');
    const next = await json(
      api.base,
      'POST',
      '/api/agents/reviewer/claim',
      { claimant: 'other-agent', runId },
      'tok-reviewer',
    );
    assert.equal(next.status, 200, next.text);
    assert.equal((next.json as { claimedBy: string }).claimedBy, 'reviewer');
    const s = (await json(api.base, 'GET', `/api/runs/${runId}`, undefined, 'tok-reviewer')).json as RunStatus;
    const holders = s.steps.map((x) => x.agentTask?.claimedBy);
    assert.deepEqual(holders, ['reviewer', 'reviewer']);
    assert.ok(!JSON.stringify(s.steps).includes('"claimedBy":"other-agent"'));
  });
});
