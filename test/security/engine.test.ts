/**
 * Rows 5, 7 and 14 of the security review, against a real worker: Signal decisions on a run started
 * with tokens count only when signed with PHASEGATE_SIGNING_KEY (`phase sign`); the status says
 * which definition ran (`source`) and who started it (`startedBy`), and runs list by `?source=`;
 * titles and comments never become markup in the Temporal UI's current details.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TokenStore } from '../../client/api/auth';
import { signDecision } from '../../config/signing';
import { actSignal, decideSignal, type Decision } from '../../workflows/messages';
import type { RunStatus } from '../../workflows/status';
import type { LoopbackServer } from '../helpers/http';
import { createTestEnv, startWorker, waitForStatus, type TestWorker } from '../helpers/temporal';
import { json, serveApi } from './helpers';

const ROOT = join(__dirname, '..', '..');
const KEY = 'test-signing-key-5f1c9a7e2b';
const TOKENS = new TokenStore({
  'tok-ops': { identity: 'olga', roles: ['operator'] },
  'tok-author': { identity: 'ann', roles: ['author', 'operator'] },
  'tok-alice': { identity: 'alice', roles: ['approver'] },
});

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let withTokens: LoopbackServer;
let open: LoopbackServer;

const GATED = {
  id: 'signed-gate',
  title: 'Signed <b>gate</b>',
  steps: [
    { id: 'build', run: { kind: 'simulate' } },
    { id: 'release', gate: { needs: ['build'], approval: { approvers: ['alice', 'bob'], quorum: 1 } } },
  ],
};

async function parked(api: LoopbackServer, token?: string, plan: unknown = GATED): Promise<string> {
  const res = await json(api.base, 'POST', '/api/runs', { plan }, token);
  assert.equal(res.status, 201, res.text);
  const runId = (res.json as { runId: string }).runId;
  await waitForStatus(env.client.workflow.getHandle(runId), (s) => s.gates[0]?.state === 'awaiting-approval', 60_000);
  return runId;
}

async function signalAndSee(runId: string, d: Decision, see: (s: RunStatus) => boolean): Promise<RunStatus> {
  const handle = env.client.workflow.getHandle(runId);
  await handle.signal(decideSignal, d);
  return waitForStatus(handle, see, 30_000);
}

const ignored = (why: RegExp) => (s: RunStatus) =>
  s.events.some((e) => e.type === 'invalid-signal' && why.test(e.message));

before(async () => {
  process.env.PHASEGATE_SIGNING_KEY = KEY;
  env = await createTestEnv();
  worker = await startWorker(env);
  withTokens = await serveApi(env, worker.taskQueue, { tokens: TOKENS });
  open = await serveApi(env, worker.taskQueue);
});

after(async () => {
  delete process.env.PHASEGATE_SIGNING_KEY;
  await withTokens?.close();
  await open?.close();
  await worker?.stop();
  await env?.teardown();
});

describe('row 5: signed signal decisions', () => {
  it('with tokens, unsigned and forged signals are recorded as ignored; a `phase sign` payload counts', async () => {
    const runId = await parked(withTokens, 'tok-author');
    const vote: Decision = { gate: 'release', decision: 'go', approver: 'alice' };
    let s = await signalAndSee(runId, vote, ignored(/unsigned/));
    assert.equal(s.gates[0]?.state, 'awaiting-approval');
    assert.deepEqual(s.gates[0]?.votes, []);
    s = await signalAndSee(
      runId,
      { ...vote, signature: signDecision('not-the-key-000000', runId, vote) },
      ignored(/does not match/),
    );
    assert.deepEqual(s.gates[0]?.votes, [], 'a signature made with another key does not count');
    s = await signalAndSee(
      runId,
      { ...vote, signature: signDecision(KEY, 'some-other-run', vote) },
      (x) => x.events.filter((e) => e.type === 'invalid-signal').length >= 3,
    );
    assert.deepEqual(s.gates[0]?.votes, [], 'a signature for another run does not count');
    s = await signalAndSee(
      runId,
      { ...vote, approver: 'bob', signature: signDecision(KEY, runId, vote) },
      (x) => x.events.filter((e) => e.type === 'invalid-signal').length >= 4,
    );
    assert.deepEqual(s.gates[0]?.votes, [], "a signature of alice's vote does not make bob's count");

    const printed = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'client/cli/main.ts'),
        '--json',
        'sign',
        runId,
        'release',
        'go',
        '--approver',
        'alice',
        '--comment',
        'signed',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, PHASEGATE_SIGNING_KEY: KEY },
        encoding: 'utf8',
      },
    );
    const payload = JSON.parse(printed) as Decision;
    s = await signalAndSee(runId, payload, (x) => x.gates[0]?.state === 'go');
    assert.equal(s.gates[0]?.votes[0]?.approver, 'alice');
    assert.equal(s.gates[0]?.votes[0]?.comment, 'signed');
  });

  it('with tokens, operator actions by signal are ignored (the API with an operator token is the way)', async () => {
    const res = await json(
      withTokens.base,
      'POST',
      '/api/runs',
      {
        plan: {
          id: 'signal-act',
          steps: [
            {
              id: 'tests',
              run: { kind: 'simulate', failAttempts: 100 },
              retry: { maximumAttempts: 1 },
              onFailure: 'hold',
            },
          ],
        },
      },
      'tok-author',
    );
    const runId = (res.json as { runId: string }).runId;
    const handle = env.client.workflow.getHandle(runId);
    await waitForStatus(handle, (s) => s.state === 'held', 60_000);
    await handle.signal(actSignal, { step: 'tests', action: 'skip', operator: 'olga' });
    const s = await waitForStatus(handle, ignored(/operator actions on this run need the API/), 30_000);
    assert.equal(s.state, 'held', 'not skipped');
    const skip = await json(withTokens.base, 'POST', `/api/runs/${runId}/steps/tests/skip`, {}, 'tok-ops');
    assert.equal(skip.status, 200, skip.text);
  });

  it('without tokens, signals count as sent', async () => {
    const runId = await parked(open);
    const s = await signalAndSee(
      runId,
      { gate: 'release', decision: 'go', approver: 'bob' },
      (x) => x.gates[0]?.state === 'go',
    );
    assert.equal(s.gates[0]?.votes[0]?.approver, 'bob');
  });
});

describe('row 7: which definition ran, and who started it', () => {
  it('an inline plan with a bundled id says inline (with its hash) and who started it; ?source= tells them apart', async () => {
    const inline = { id: 'phase-7-release', steps: [{ id: 'x', run: { kind: 'simulate' } }] };
    const a = await json(withTokens.base, 'POST', '/api/runs', { plan: inline }, 'tok-author');
    const b = await json(withTokens.base, 'POST', '/api/runs', { plan: 'demo-hello' }, 'tok-ops');
    assert.equal(a.status, 201, a.text);
    assert.equal(b.status, 201, b.text);
    const inlineId = (a.json as { runId: string }).runId;
    const bundledId = (b.json as { runId: string }).runId;
    const si = await waitForStatus(env.client.workflow.getHandle(inlineId), (s) => s.outcome !== null);
    const sb = await waitForStatus(env.client.workflow.getHandle(bundledId), (s) => s.outcome !== null);
    assert.equal(si.source?.kind, 'inline');
    assert.match(si.source?.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal(si.startedBy, 'ann');
    assert.equal(sb.source?.kind, 'bundled');
    assert.equal(sb.startedBy, 'olga');
    const api = (await json(withTokens.base, 'GET', `/api/runs/${inlineId}`, undefined, 'tok-ops')).json as RunStatus;
    assert.equal(api.source?.kind, 'inline');
    const byKind = async (kind: string) => {
      for (let i = 0; i < 50; i++) {
        const list = (await json(withTokens.base, 'GET', `/api/runs?source=${kind}&pageSize=200`, undefined, 'tok-ops'))
          .json as { runs: { runId: string }[] };
        const ids = list.runs.map((r) => r.runId);
        if (ids.includes(kind === 'inline' ? inlineId : bundledId)) return ids;
        await new Promise((r) => setTimeout(r, 200));
      }
      return [];
    };
    const inlines = await byKind('inline');
    assert.ok(inlines.includes(inlineId) && !inlines.includes(bundledId));
    const bundled = await byKind('bundled');
    assert.ok(bundled.includes(bundledId) && !bundled.includes(inlineId));
  });
});

describe('row 14: no markup into the Temporal UI', () => {
  it('titles and comments are escaped in the current details', async () => {
    const plan = { ...GATED, id: 'markup', title: 'Release <img src=x onerror=alert(1)> [click](javascript:alert(2))' };
    const runId = await parked(open, undefined, plan);
    const decided = await json(open.base, 'POST', `/api/runs/${runId}/decisions`, {
      gate: 'release',
      decision: 'go',
      approver: 'alice',
      comment: '<script>x</script> see https://evil.example',
    });
    assert.equal(decided.status, 200, decided.text);
    const handle = env.client.workflow.getHandle(runId);
    await waitForStatus(handle, (s) => s.outcome !== null);
    const meta = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
    const details = meta.currentDetails ?? '';
    assert.ok(details.includes('Release'), details);
    assert.ok(!/<img|<script/i.test(details), details);
    assert.ok(!/(^|[^\\])[[\]]/.test(details), 'every [ and ] is escaped: no link or image syntax');
    assert.ok(!details.includes('https://evil'), 'no bare link');
    assert.ok(details.includes('&lt;img'), details);
  });
});
