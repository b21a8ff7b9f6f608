/**
 * Agents at swarm scale, end to end (real dev server, real API, real `phase agent` processes):
 * N processes of one agent name run every task's command exactly once; a lease lost to a missed
 * heartbeat goes to another process and the first one's late report is 409; a claim retried with
 * its `leaseId` gets the same lease; a completion without a declared metric is 400; with tokens
 * the lease holder is the token identity; the task list pages and says when there is more.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startRun } from '../../client/runs';
import type { ClaimResult } from '../../workflows/messages';
import type { PhasePlan } from '../../workflows/plan/schema';
import type { StepStatus } from '../../workflows/status';
import { fileLines } from '../helpers/processes';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { base, env, securedBase, tempDir, useApi, worker } from '../helpers/fixture';
import { stepOf } from '../helpers/status';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'phase.js');

const TOKENS = {
  'tok-bot-1': { identity: 'bot-1', roles: ['agent' as const], agents: ['swarm'] },
  'tok-bot-2': { identity: 'bot-2', roles: ['agent' as const], agents: ['swarm'] },
  'tok-any': { identity: 'any-bot', roles: ['agent' as const], agents: ['*'] },
};

useApi({ secured: TOKENS });

async function call<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
  at = base,
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${at}${path}`, {
    method,
    headers: {
      ...(body !== undefined || method === 'POST' ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : method === 'POST' ? { body: '{}' } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

const agentStep = (
  id: string,
  agent: string | undefined,
  extra: Partial<PhasePlan['steps'][number]> = {},
): PhasePlan['steps'][number] => ({
  id,
  ...(agent ? { agent } : {}),
  run: { kind: 'agent', instructions: `do ${id}` },
  retry: { maximumAttempts: 1 },
  ...extra,
});

const start = (plan: PhasePlan) => startRun(env.client, plan, { taskQueue: worker.taskQueue });

/** A `phase agent` process. */
function agentProcess(
  args: string[],
  token?: string,
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PHASEGATE_URL: token ? securedBase : base, NO_COLOR: '1' };
  delete childEnv.PHASEGATE_TOKEN;
  if (token) childEnv.PHASEGATE_TOKEN = token;
  const child = spawn(process.execPath, [BIN, 'agent', ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.on('close', (code) => r({ code, stdout, stderr })),
  );
  return { child, done };
}

const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { event: string; stepId?: string; leaseId?: string; label?: string; runId?: string });

describe('a swarm of phase agent processes', () => {
  it('N processes of one agent name run every task exactly once, and the run succeeds', async () => {
    const TASKS = 16;
    const log = join(tempDir, 'swarm.log');
    const plan: PhasePlan = {
      id: 'swarm-plan',
      steps: Array.from({ length: TASKS }, (_, i) => agentStep(`t${i}`, 'swarm', { metrics: { n: {} } })),
    };
    const h = await start(plan);
    // The command appends its step id to one file: a task run twice shows up as a repeated line.
    const script = `let d='';process.stdin.on('data',c=>d+=c).on('end',()=>{const t=JSON.parse(d);require('fs').appendFileSync(${JSON.stringify(log)},t.stepId+'\\n');console.log('::metric n='+t.stepId.slice(1))})`;
    const procs = Array.from({ length: 4 }, () =>
      agentProcess([
        'swarm',
        '--json',
        '--run',
        h.workflowId,
        '--idle-timeout',
        '5s',
        '--wait',
        '2s',
        '--',
        process.execPath,
        '-e',
        script,
      ]),
    );
    const results = await Promise.all(procs.map((p) => p.done));
    const final = await waitForOutcome(h, 60_000);
    assert.equal(final.outcome, 'succeeded', JSON.stringify(results.map((r) => r.stderr)));
    const lines = fileLines(log).sort();
    assert.deepEqual(lines, plan.steps.map((s) => s.id).sort(), 'each command ran exactly once');
    const claims = results.flatMap((r) => events(r.stdout).filter((e) => e.event === 'claimed'));
    assert.equal(claims.length, TASKS);
    assert.equal(new Set(claims.map((c) => c.leaseId)).size, TASKS, 'one lease per task');
    assert.equal(
      new Set(claims.map((c) => c.label)).size > 1,
      true,
      'several processes took part, each with its own label',
    );
    for (const c of claims) assert.match(c.label ?? '', /^.+\/\d+$/, 'default label is <host>/<pid>');
    assert.equal(stepOf(final, 't3').metrics.n, 3);
  });

  it("a lease lost to a missed heartbeat goes to another process; the first one's late report is 409", async () => {
    const h = await start({
      id: 'swarm-expiry',
      steps: [agentStep('work', 'swarm', { heartbeat: '1s', retry: { maximumAttempts: 2, initialInterval: '100ms' } })],
    });
    await waitForStatus(h, (s) => stepOf(s, 'work').agentTask != null);
    const slow = agentProcess([
      'swarm',
      '--json',
      '--once',
      '--run',
      h.workflowId,
      '--',
      process.execPath,
      '-e',
      'setTimeout(()=>console.log("late"),4000)',
    ]);
    const leased = await waitForStatus(h, (s) => stepOf(s, 'work').leaseId != null, 20_000);
    const first = stepOf(leased, 'work').leaseId as string;
    slow.child.kill('SIGSTOP'); // frozen: no heartbeats any more
    try {
      await waitForStatus(h, (s) => stepOf(s, 'work').agentTask?.attempt === 2, 20_000);
      const fast = agentProcess(['swarm', '--json', '--once', '--run', h.workflowId, '--', 'true']);
      assert.equal((await fast.done).code, 0);
    } finally {
      slow.child.kill('SIGCONT');
    }
    const final = await waitForOutcome(h);
    assert.equal(final.outcome, 'succeeded');
    const late = await call<{ error: string }>('POST', `/api/runs/${h.workflowId}/steps/work/complete`, {
      leaseId: first,
    });
    assert.equal(late.status, 409, JSON.stringify(late.body));
    const slowDone = await slow.done;
    assert.notEqual(slowDone.code, 0, 'the frozen process learns it lost the lease');
    const work = stepOf(final, 'work');
    assert.match(work.attemptHistory[0]?.error ?? '', /no heartbeat/);
    assert.notEqual(work.attemptHistory[1]?.leaseId, first);
  });
});

describe('lease protocol over HTTP', () => {
  it('a claim retried with its leaseId gets the same lease; any other claim of a leased task is 409', async () => {
    const h = await start({ id: 'lease-retry', steps: [agentStep('a', 'retrier'), agentStep('b', 'retrier')] });
    await waitForStatus(h, (s) => s.steps.every((x) => x.agentTask != null));
    const body = { runId: h.workflowId, leaseId: 'client-chosen-1', label: 'laptop/1', wait: '5s' };
    const one = await call<ClaimResult>('POST', '/api/agents/retrier/claim', body);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.leaseId, 'client-chosen-1');
    const again = await call<ClaimResult>('POST', '/api/agents/retrier/claim', body);
    assert.equal(again.status, 200);
    assert.deepEqual(
      [again.body.stepId, again.body.leaseId, again.body.attempt],
      [one.body.stepId, 'client-chosen-1', 1],
    );
    const stepPath = `/api/runs/${h.workflowId}/steps/${one.body.stepId}`;
    assert.equal(
      (await call('POST', `${stepPath}/claim`, { leaseId: 'client-chosen-1' })).status,
      200,
      'the per-step claim honours the same retry',
    );
    assert.equal((await call('POST', `${stepPath}/claim`, {})).status, 409, 'same name, no leaseId: 409');
    const other = await call<ClaimResult>('POST', '/api/agents/retrier/claim', { runId: h.workflowId });
    assert.equal(other.status, 200);
    assert.notEqual(other.body.stepId, one.body.stepId);
    assert.equal(
      (await call('POST', '/api/agents/retrier/claim', { runId: h.workflowId, wait: '300ms' })).status,
      204,
      'nothing left to lease',
    );
    assert.equal(
      (await call('POST', `${stepPath}/heartbeat`, { leaseId: other.body.leaseId })).status,
      409,
      'a lease of another step',
    );
    const hb = await call<StepStatus>('POST', `${stepPath}/heartbeat`, {
      leaseId: 'client-chosen-1',
      progress: 'half',
    });
    assert.equal(hb.status, 200);
    assert.equal(hb.body.leaseId, 'client-chosen-1');
    assert.equal(hb.body.label, 'laptop/1');
    assert.deepEqual(hb.body.leaseHolders, ['retrier']);
    await h.cancel();
  });

  it('complete without a declared metric is 400 naming it; inputs carry what the needed steps produced', async () => {
    const h = await start({
      id: 'lease-metrics',
      steps: [
        { id: 'prep', run: { kind: 'simulate', duration: '10ms', metrics: { lines: 120 } } },
        agentStep('review', 'checker', { needs: ['prep'], metrics: { warnings: {}, verdict: {} } }),
      ],
    });
    const lease = await call<ClaimResult>('POST', '/api/agents/checker/claim', { runId: h.workflowId, wait: '20s' });
    assert.equal(lease.status, 200);
    assert.deepEqual(lease.body.inputs, { prep: { metrics: { lines: 120 }, summary: 'simulated run of prep' } });
    const path = `/api/runs/${h.workflowId}/steps/review/complete`;
    const missing = await call<{ error: string }>('POST', path, {
      leaseId: lease.body.leaseId,
      metrics: { warnings: 2 },
    });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error, /missing declared metric "verdict"/);
    assert.equal(
      (await call('POST', path, { leaseId: lease.body.leaseId, metrics: { warnings: 2, verdict: 'ok' } })).status,
      200,
    );
    assert.equal((await waitForOutcome(h)).outcome, 'succeeded');
  });

  it('with tokens the lease holder is the token identity; a task without an agent needs a token allowed every agent', async () => {
    const h = await start({
      id: 'lease-identity',
      steps: [agentStep('named', 'swarm'), agentStep('anyone', undefined)],
    });
    await waitForStatus(h, (s) => s.steps.every((x) => x.agentTask != null));
    const lease = await call<ClaimResult>(
      'POST',
      '/api/agents/swarm/claim',
      { runId: h.workflowId, claimant: 'mallory', wait: '5s' },
      'tok-bot-1',
      securedBase,
    );
    assert.equal(lease.status, 200, JSON.stringify(lease.body));
    assert.equal(lease.body.claimedBy, 'bot-1', 'the body claimant is only a label');
    assert.equal(lease.body.label, 'mallory');
    const named = `/api/runs/${h.workflowId}/steps/named`;
    assert.equal(
      (await call('POST', `${named}/heartbeat`, { leaseId: lease.body.leaseId }, 'tok-bot-2', securedBase)).status,
      403,
      'another identity quoting the lease',
    );
    assert.equal(
      (await call('POST', `${named}/heartbeat`, { leaseId: lease.body.leaseId }, 'tok-bot-1', securedBase)).status,
      200,
    );
    const anyone = `/api/runs/${h.workflowId}/steps/anyone/claim`;
    assert.equal(
      (await call('POST', anyone, {}, 'tok-bot-1', securedBase)).status,
      403,
      'an agent-less task is not for a token of one agent',
    );
    const wide = await call<ClaimResult>('POST', anyone, {}, 'tok-any', securedBase);
    assert.equal(wide.status, 200);
    assert.equal(wide.body.claimedBy, 'any-bot');
    const s = await h.query('status');
    assert.deepEqual(
      (s as { steps: StepStatus[] }).steps.map((x) => x.leaseHolders),
      [['bot-1'], ['any-bot']],
    );
    await h.cancel();
  });

  it('the task list pages through runs and says when there is more', async () => {
    const hs = await Promise.all([1, 2, 3].map((i) => start({ id: `page-${i}`, steps: [agentStep('x', 'pager')] })));
    for (const h of hs) await waitForStatus(h, (s) => stepOf(s, 'x').agentTask != null);
    let seen: string[] = [];
    for (let i = 0; i < 50 && seen.length < 3; i++) {
      const first = await call<{ runId: string }[]>('GET', '/api/agents/pager/tasks?pageSize=2');
      seen = first.body.map((t) => t.runId);
      const token = first.headers.get('x-next-page-token');
      if (token) {
        assert.match(first.headers.get('link') ?? '', /rel="next"/);
        const second = await call<{ runId: string }[]>(
          'GET',
          `/api/agents/pager/tasks?pageSize=2&nextPageToken=${token}`,
        );
        seen.push(...second.body.map((t) => t.runId));
      }
      if (seen.length < 3) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(seen.sort(), hs.map((h) => h.workflowId).sort());
    assert.equal((await call('GET', '/api/agents/pager/tasks?nextPageToken=garbage')).status, 400);
    await Promise.all(hs.map((h) => h.cancel()));
  });

  it('a run with more open tasks than its memo holds still lists them all, and claim-next still finds them', async () => {
    const h = await start({
      id: 'memo-overflow',
      steps: Array.from({ length: 15 }, (_, i) => agentStep(`m${i}`, 'overflow')),
    });
    await waitForStatus(h, (s) => s.steps.every((x) => x.agentTask != null));
    let listed: { stepId: string }[] = [];
    for (let i = 0; i < 50 && listed.length < 15; i++) {
      listed = (await call<{ stepId: string }[]>('GET', '/api/agents/overflow/tasks')).body;
      if (listed.length < 15) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(listed.length, 15);
    const leased = new Set<string>();
    for (let i = 0; i < 15; i++) {
      const lease = await call<ClaimResult>('POST', '/api/agents/overflow/claim', { wait: '10s' });
      assert.equal(lease.status, 200, `claim ${i}: ${JSON.stringify(lease.body)}`);
      leased.add(lease.body.stepId);
    }
    assert.equal(leased.size, 15, 'every task leased once, oldest first, past the 12 the memo lists');
    await h.cancel();
  });
});
