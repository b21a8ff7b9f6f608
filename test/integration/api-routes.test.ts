/**
 * Every route of SPEC §5 end to end: a real Temporal dev server, a real worker, the API on an
 * ephemeral port, plain HTTP. Each route's success path and its error codes; the agent protocol;
 * list filters and pagination; what happens when no worker answers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PhasePlan } from '../../workflows/plan/schema';
import type { GateStatus, RunStatus, StepStatus } from '../../workflows/status';
import { base, env, serveApp, useApi } from '../helpers/fixture';
import { stepOf } from '../helpers/status';

/** Plans bundled for this file: short simulate tasks, a two-approver gate, an agent task, a held task. */
const PLANS: Record<string, PhasePlan | object> = {
  'it-approval': {
    id: 'it-approval',
    title: 'Approval flow',
    steps: [
      {
        id: 'build',
        agent: 'ci',
        run: { kind: 'simulate', duration: '200ms', metrics: { ratio: 0.99 } },
        metrics: { ratio: {} },
      },
      {
        id: 'release',
        gate: {
          needs: ['build'],
          checks: [{ metric: 'build.ratio', op: '>=', value: 0.9 }],
          approval: { approvers: ['alice', 'bob'], quorum: 1 },
        },
      },
      { id: 'publish', agent: 'ci', needs: ['release'], run: { kind: 'simulate', duration: '200ms' } },
    ],
  },
  'it-quick': { id: 'it-quick', steps: [{ id: 'only', run: { kind: 'simulate', duration: '200ms' } }] },
  'it-slow': {
    id: 'it-slow',
    steps: [
      { id: 'long', run: { kind: 'simulate', duration: '5m' }, rollback: { kind: 'simulate', duration: '100ms' } },
    ],
  },
  'it-hold': {
    id: 'it-hold',
    steps: [
      {
        id: 'flaky',
        run: { kind: 'simulate', duration: '100ms', failAttempts: 100 },
        retry: { maximumAttempts: 1 },
        onFailure: 'hold',
      },
      { id: 'after', needs: ['flaky'], run: { kind: 'simulate', duration: '100ms' } },
    ],
  },
  'it-agent': {
    id: 'it-agent',
    steps: [
      {
        id: 'review',
        title: 'Review the diff',
        agent: 'reviewer',
        run: { kind: 'agent', instructions: 'look closely' },
        metrics: { warnings: {} },
        retry: { maximumAttempts: 1 },
      },
      { id: 'gate', gate: { needs: ['review'], checks: [{ metric: 'review.warnings', op: '<', value: 5 }] } },
      { id: 'tail', needs: ['gate'], run: { kind: 'simulate', duration: '500ms' } },
    ],
  },
  'it-program': {
    id: 'it-program',
    kind: 'program',
    title: 'Two quick phases',
    phases: ['it-quick', { id: 'it-inline', steps: [{ id: 'x', run: { kind: 'simulate', duration: '100ms' } }] }],
  },
};

useApi({ plans: PLANS, app: { uiUrl: 'http://ui.test:8233/' } });

interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: string; details?: { path: string; message: string }[] };
}

async function call<T = Record<string, unknown>>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  url = base,
): Promise<Reply<T>> {
  const res = await fetch(`${url}${path}`, {
    method,
    // State changes are JSON, body or not (the API refuses other types without tokens: CSRF).
    headers: body === undefined && method === 'GET' ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Reply<T>['body'] };
}

/** Polls the run's status through the API until `predicate` holds. */
async function until(runId: string, predicate: (s: RunStatus) => boolean, timeoutMs = 30_000): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: Reply<RunStatus> | undefined;
  while (Date.now() < deadline) {
    last = await call<RunStatus>('GET', `/api/runs/${runId}`);
    if (last.status === 200 && predicate(last.body)) return last.body;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${runId}; last: ${JSON.stringify(last).slice(0, 2000)}`);
}

const ended = (s: RunStatus) => s.outcome !== null;

async function start(plan: string | object, runId?: string): Promise<string> {
  const r = await call<{ runId: string; uiUrl: string }>('POST', '/api/runs', { plan, ...(runId ? { runId } : {}) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.runId;
}

describe('health and plans', () => {
  it('reports healthy (200) while Temporal answers', async () => {
    const r = await call('GET', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.body.temporal, 'reachable');
  });

  it('lists the bundled plans with their steps', async () => {
    const r = await call<{ id: string; steps: { id: string; type: string }[] }[]>('GET', '/api/plans');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.map((p) => p.id).sort(), Object.keys(PLANS).sort());
    const approval = r.body.find((p) => p.id === 'it-approval');
    assert.deepEqual(
      approval?.steps.map((s) => `${s.id}:${s.type}`),
      ['build:task', 'release:gate', 'publish:task'],
    );
  });

  it('serves its OpenAPI document', async () => {
    const r = await call('GET', '/api/openapi.json');
    assert.equal(r.status, 200);
    assert.ok((r.body.paths as Record<string, unknown>)['/api/agents/{agent}/tasks']);
  });
});

describe('runs and decisions', () => {
  it('starts a run (201 with its UI link), shows its status, finds it by filter and counts a go vote until it succeeds', async () => {
    const r = await call<{ runId: string; uiUrl: string }>('POST', '/api/runs', { plan: 'it-approval' });
    assert.equal(r.status, 201);
    const runId = r.body.runId;
    assert.match(runId, /^it-approval-[0-9a-f]{4}$/);
    assert.equal(r.body.uiUrl, `http://ui.test:8233/namespaces/default/workflows/${runId}`);

    const waiting = await until(runId, (s) => s.state === 'awaiting-approval');
    assert.equal(waiting.plan, 'it-approval');
    assert.equal(waiting.gates[0]?.checks[0]?.passed, true);

    const listed = await call<{
      runs: { runId: string; plan: string; state: string; status: string; uiUrl: string; startTime: string }[];
    }>('GET', '/api/runs?plan=it-approval&state=awaiting-approval&awaitingApproval=true');
    assert.equal(listed.status, 200);
    const item = listed.body.runs.find((x) => x.runId === runId);
    assert.ok(item, 'the waiting run is listed');
    assert.deepEqual(
      { plan: item.plan, state: item.state, status: item.status },
      { plan: 'it-approval', state: 'awaiting-approval', status: 'RUNNING' },
    );
    assert.ok(item.startTime && item.uiUrl.endsWith(runId));
    const other = await call<{ runs: unknown[] }>('GET', '/api/runs?plan=it-approval&state=held');
    assert.equal(other.body.runs.length, 0);

    assert.equal(
      (await call('POST', `/api/runs/${runId}/decisions`, { gate: 'release', decision: 'go', approver: 'mallory' }))
        .status,
      403,
    );
    assert.equal(
      (await call('POST', `/api/runs/${runId}/decisions`, { gate: 'no-such-gate', decision: 'go', approver: 'alice' }))
        .status,
      404,
    );
    const vote = await call<GateStatus>('POST', `/api/runs/${runId}/decisions`, {
      gate: 'release',
      decision: 'go',
      approver: 'alice',
      comment: 'ship it',
    });
    assert.equal(vote.status, 200);
    assert.equal(vote.body.state, 'go');
    assert.deepEqual(
      vote.body.votes.map((v) => [v.approver, v.decision, v.comment]),
      [['alice', 'go', 'ship it']],
    );
    const again = await call('POST', `/api/runs/${runId}/decisions`, {
      gate: 'release',
      decision: 'go',
      approver: 'alice',
    });
    assert.equal(again.status, 409);
    const final = await until(runId, ended);
    assert.equal(final.outcome, 'succeeded');
    const afterEnd = await call('POST', `/api/runs/${runId}/decisions`, {
      gate: 'release',
      decision: 'go',
      approver: 'bob',
    });
    assert.equal(afterEnd.status, 409, 'a vote on an ended run is a conflict');
  });

  it('rejects the run on a no-go vote', async () => {
    const runId = await start('it-approval');
    await until(runId, (s) => s.state === 'awaiting-approval');
    const vote = await call<GateStatus>('POST', `/api/runs/${runId}/decisions`, {
      gate: 'release',
      decision: 'no-go',
      approver: 'bob',
      comment: 'not yet',
    });
    assert.equal(vote.status, 200);
    assert.equal(vote.body.state, 'no-go');
    assert.equal((await until(runId, ended)).outcome, 'rejected');
  });

  it('starts a run under a chosen id, refuses a taken id (409) and answers 404 for an unknown run', async () => {
    const runId = `custom-${Date.now()}`;
    assert.equal(await start('it-quick', runId), runId);
    const taken = await call('POST', '/api/runs', { plan: 'it-quick', runId });
    assert.equal(taken.status, 409);
    assert.deepEqual(taken.body.details, [{ path: 'runId', message: 'already used by another run' }]);
    assert.equal((await call('GET', '/api/runs/does-not-exist')).status, 404);
    assert.equal(
      (await call('POST', '/api/runs/does-not-exist/decisions', { gate: 'g', decision: 'go', approver: 'alice' }))
        .status,
      404,
    );
    assert.equal((await until(runId, ended)).outcome, 'succeeded');
  });

  it('an inline plan object runs; invalid ones are 400 with paths', async () => {
    const runId = await start({
      id: 'inline-plan',
      steps: [{ id: 'a', run: { kind: 'simulate', duration: '100ms' } }],
    });
    assert.equal((await until(runId, ended)).outcome, 'succeeded');
    const bad = await call('POST', '/api/runs', {
      plan: {
        id: 'inline-plan',
        steps: [
          { id: 'a', run: { kind: 'simulate' } },
          { id: 'b', needs: ['a', 'zz'], run: { kind: 'simulate' } },
        ],
      },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.details, [
      { path: 'plan.steps[1].needs[1]', message: 'needs "zz", which is not a step of this plan' },
    ]);
    assert.equal((await call('POST', '/api/runs', { plan: 'it-unknown' })).status, 404);
  });

  it('a program by id resolves its phases and runs them in order', async () => {
    const runId = await start('it-program');
    const final = await until(runId, ended, 60_000);
    assert.equal(final.kind, 'program');
    assert.equal(final.outcome, 'succeeded');
    assert.deepEqual(
      final.phases?.map((p) => [p.plan, p.outcome]),
      [
        ['it-quick', 'succeeded'],
        ['it-inline', 'succeeded'],
      ],
    );
  });

  it('cancels a run (202) so it rolls back, and refuses to cancel an ended run (409) or an unknown one (404)', async () => {
    const runId = await start('it-slow');
    await until(runId, (s) => s.steps[0]?.state === 'running');
    const r = await call('POST', `/api/runs/${runId}/cancel`);
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { runId, cancelRequested: true });
    assert.equal((await until(runId, ended)).outcome, 'cancelled');
    assert.equal((await call('POST', `/api/runs/${runId}/cancel`)).status, 409);
    assert.equal((await call('POST', '/api/runs/nope-nope/cancel')).status, 404);
    const listed = await call<{ runs: { runId: string; status: string; closeTime: string | null }[] }>(
      'GET',
      '/api/runs?state=cancelled',
    );
    const item = listed.body.runs.find((x) => x.runId === runId);
    assert.ok(item?.closeTime, 'closed runs carry closeTime');
  });

  it('retries and skips a held task, and refuses a task that is not held (409) or unknown (404)', async () => {
    const runId = await start('it-hold');
    await until(runId, (s) => s.state === 'held');
    assert.equal((await call('POST', `/api/runs/${runId}/steps/after/retry`)).status, 409, 'not held');
    assert.equal((await call('POST', `/api/runs/${runId}/steps/ghost/skip`)).status, 404);
    const retried = await call<StepStatus>('POST', `/api/runs/${runId}/steps/flaky/retry`, {
      comment: 'one more time',
    });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.id, 'flaky');
    await until(runId, (s) => s.state === 'held' && (s.steps[0]?.attempts ?? 0) >= 2);
    const skipped = await call<StepStatus>('POST', `/api/runs/${runId}/steps/flaky/skip`);
    assert.equal(skipped.status, 200);
    const final = await until(runId, ended);
    assert.equal(final.outcome, 'succeeded');
    assert.equal(stepOf(final, 'flaky').state, 'skipped');
    assert.equal((await call('POST', `/api/runs/${runId}/steps/flaky/retry`)).status, 409, 'the run has ended');
  });

  it('pages the run list by pageSize and nextPageToken and refuses a bad token (400)', async () => {
    const first = await call<{ runs: { runId: string }[]; nextPageToken: string | null }>(
      'GET',
      '/api/runs?pageSize=1',
    );
    assert.equal(first.status, 200);
    assert.equal(first.body.runs.length, 1);
    assert.ok(first.body.nextPageToken, 'more than one run exists by now');
    const second = await call<{ runs: { runId: string }[] }>(
      'GET',
      `/api/runs?pageSize=1&nextPageToken=${first.body.nextPageToken}`,
    );
    assert.equal(second.status, 200);
    assert.equal(second.body.runs.length, 1);
    assert.notEqual(second.body.runs[0]?.runId, first.body.runs[0]?.runId);
    const bad = await call('GET', '/api/runs?nextPageToken=bm90LWEtdG9rZW4');
    assert.equal(bad.status, 400);
    const otherFilter = await call(
      'GET',
      `/api/runs?pageSize=1&state=succeeded&nextPageToken=${first.body.nextPageToken}`,
    );
    assert.equal(otherFilter.status, 400, 'a token only continues the list it came from');
  });
});

describe('external agent protocol', () => {
  it('lets an agent list, claim, heartbeat and complete a task, and refuses conflicting claims and stale leases (409)', async () => {
    const runId = await start('it-agent');
    let tasks: {
      runId: string;
      stepId: string;
      title: string;
      agent: string;
      attempt: number;
      claimedBy: string | null;
    }[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !tasks.some((t) => t.runId === runId)) {
      tasks = (await call<typeof tasks>('GET', '/api/agents/reviewer/tasks')).body;
      await new Promise((r) => setTimeout(r, 200));
    }
    const task = tasks.find((t) => t.runId === runId);
    assert.deepEqual(task && { ...task, instructions: undefined, openedAt: undefined }, {
      runId,
      stepId: 'review',
      title: 'Review the diff',
      agent: 'reviewer',
      attempt: 1,
      claimedBy: null,
      instructions: undefined,
      openedAt: undefined,
    });
    assert.deepEqual((await call<unknown[]>('GET', '/api/agents/nobody/tasks')).body, []);

    const claim = await call<{
      leaseId: string;
      attempt: number;
      claimedBy: string;
      instructions: string;
      metrics: string[];
    }>('POST', `/api/runs/${runId}/steps/review/claim`, {});
    assert.equal(claim.status, 200);
    assert.equal(claim.body.claimedBy, 'reviewer', 'without auth the claimant defaults to the agent name');
    assert.equal(claim.body.instructions, 'look closely');
    assert.deepEqual(claim.body.metrics, ['warnings']);
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/review/claim`, { claimant: 'someone-else' })).status,
      409,
    );
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/review/claim`, {})).status,
      409,
      'a repeat claim under the same name is 409 too: leases tell processes apart',
    );
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/review/claim`, { leaseId: claim.body.leaseId })).status,
      200,
      'quoting the lease is a safe retry',
    );
    const lease = claim.body.leaseId;
    assert.equal((await call('POST', `/api/runs/${runId}/steps/nope/claim`, {})).status, 404);
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/gate/claim`, {})).status,
      409,
      'a gate is not an agent task',
    );

    const listedClaimed = (await call<typeof tasks>('GET', '/api/agents/reviewer/tasks')).body.find(
      (t) => t.runId === runId,
    );
    assert.equal(listedClaimed?.claimedBy, 'reviewer');

    const beat = await call<StepStatus>('POST', `/api/runs/${runId}/steps/review/heartbeat`, {
      leaseId: lease,
      progress: 'halfway',
    });
    assert.equal(beat.status, 200);
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/review/heartbeat`, { attempt: 1 })).status,
      400,
      'a report quotes its lease',
    );
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/review/heartbeat`, { leaseId: lease, attempt: 7 })).status,
      409,
      'stale attempt',
    );
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/review/heartbeat`, { leaseId: 'not-the-lease' })).status,
      409,
      'not the current lease',
    );
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/review/heartbeat`, { leaseId: lease, claimant: 'intruder' }))
        .status,
      403,
      'not the holder',
    );

    const done = await call<StepStatus>('POST', `/api/runs/${runId}/steps/review/complete`, {
      leaseId: lease,
      metrics: { warnings: 2 },
      summary: 'LGTM',
    });
    assert.equal(done.status, 200);
    const repeat = await call('POST', `/api/runs/${runId}/steps/review/complete`, {
      leaseId: lease,
      metrics: { warnings: 2 },
      summary: 'LGTM',
    });
    assert.equal(repeat.status, 200, 'complete is idempotent for the same lease');
    const final = await until(runId, ended);
    assert.equal(final.outcome, 'succeeded');
    const review = stepOf(final, 'review');
    assert.deepEqual(review.metrics, { warnings: 2 });
    assert.equal(review.summary, 'LGTM');
    assert.equal(
      (await call('POST', `/api/runs/${runId}/steps/review/complete`, { leaseId: 'later' })).status,
      409,
      'the run has ended',
    );
  });

  it('fails the task and the run when the agent reports a failure that is not retryable', async () => {
    const runId = await start('it-agent');
    await until(runId, (s) => s.steps[0]?.agentTask != null);
    const claimed = await call<{ leaseId: string }>('POST', `/api/runs/${runId}/steps/review/claim`, {
      claimant: 'session-9',
    });
    assert.equal(claimed.status, 200);
    const failed = await call<StepStatus>('POST', `/api/runs/${runId}/steps/review/fail`, {
      leaseId: claimed.body.leaseId,
      claimant: 'session-9',
      reason: 'cannot build',
      retryable: false,
    });
    assert.equal(failed.status, 200);
    const final = await until(runId, ended);
    assert.equal(final.outcome, 'failed');
    assert.match(final.steps[0]?.error ?? '', /cannot build/);
  });
});

describe('without a worker', () => {
  it('status and updates answer 503 quickly instead of hanging', async () => {
    const lonely = await serveApp({ taskQueue: `no-worker-${Date.now()}`, rpcTimeoutMs: 1_500 });
    const url = lonely.base;
    try {
      const started = await call<{ runId: string }>('POST', '/api/runs', { plan: 'it-quick' }, url);
      assert.equal(started.status, 201, 'starting needs no worker');
      const t0 = Date.now();
      const status = await call('GET', `/api/runs/${started.body.runId}`, undefined, url);
      assert.equal(status.status, 503);
      assert.match(status.body.error ?? '', /worker/);
      assert.ok(Date.now() - t0 < 8_000);
      const vote = await call(
        'POST',
        `/api/runs/${started.body.runId}/decisions`,
        { gate: 'g', decision: 'go', approver: 'alice' },
        url,
      );
      assert.equal(vote.status, 503);
      await env.client.workflow.getHandle(started.body.runId).terminate('test cleanup');
    } finally {
      await lonely.close();
    }
  });
});
