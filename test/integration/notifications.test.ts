/**
 * Notifications on a real loopback HTTP server, from runs on the real dev server: every event
 * (approval-requested with checks, resolved approvers, due time and links; approval-decided;
 * held; escalated; ended) reaches PHASEGATE_WEBHOOK_URL and the plan's `notify` targets for it,
 * as JSON or as a Slack message, with a stable Idempotency-Key; a failing target is retried with
 * the same key and targets already served are not posted again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRun } from '../../client/runs';
import { verifyLink } from '../../config/approval-links';
import type { NotificationBody } from '../../activities/notify-body';
import { actUpdate, decideUpdate } from '../../workflows/messages';
import type { PhasePlan } from '../../workflows/plan/schema';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

let server: Server;
let base: string;
let hits: Hit[] = [];
let flakyLeft = 0;
const SECRET = 'link-secret-for-tests-0123456789abcdef';

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
      if (req.url === '/flaky' && flakyLeft > 0) {
        flakyLeft -= 1;
        res.writeHead(503).end();
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

// The worker posts to the sink above, whose URL is known once its hook has run.
useTemporal({
  activities: () => ({
    webhookUrl: `${base}/hook`,
    notify: { publicUrl: 'http://phasegate.test', uiUrl: 'http://ui.test', linkSecret: SECRET },
  }),
});

// After the fixture's hook: the sink closes once the worker has stopped.
after(() => {
  server?.close();
});

const bodies = (path: string, runId: string) =>
  hits.filter((h) => h.path === path && h.body.runId === runId).map((h) => h.body as unknown as NotificationBody);

async function eventually(ok: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; hits: ${JSON.stringify(hits.map((h) => [h.path, h.body.event, h.body.runId]))}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('notifications', () => {
  it('approval-requested carries checks, approvers resolved, due time and signed links; then decided and ended; slack and filters per target', async () => {
    hits = [];
    const plan: PhasePlan = {
      id: 'notify-gate',
      title: 'Notify me',
      notify: [
        { url: `${base}/slack`, events: ['approval-requested'], format: 'slack' },
        { url: `${base}/decisions`, events: ['approval-decided'] },
      ],
      steps: [
        { id: 'build', run: { kind: 'simulate', duration: '50ms', metrics: { ratio: 0.97 } }, metrics: { ratio: {} } },
        {
          id: 'release',
          gate: {
            needs: ['build'],
            checks: [{ metric: 'build.ratio', op: '>=', value: 0.95 }],
            approval: { approvers: ['cto', 'group:release'], timeout: '1h' },
          },
        },
      ],
    };
    const handle = await startRun(env.client, plan, {
      taskQueue: worker.taskQueue,
      groups: { release: ['alice', 'bob'] },
    });
    const runId = handle.workflowId;
    await eventually(() => bodies('/hook', runId).some((b) => b.event === 'approval-requested'), 'approval-requested');
    const req = bodies('/hook', runId).find((b) => b.event === 'approval-requested') as NotificationBody;
    assert.equal(req.key, `${runId}/approval-requested/1`);
    assert.equal(hits.find((h) => h.body.key === req.key)?.headers['idempotency-key'], req.key);
    assert.equal(req.title, 'Notify me');
    assert.deepEqual(
      req.gate?.checks.map((c) => [c.metric, c.actual, c.passed]),
      [['build.ratio', 0.97, true]],
    );
    assert.deepEqual(req.gate?.approversResolved, ['alice', 'bob', 'cto']);
    assert.deepEqual(req.gate?.approverGroups, { release: ['alice', 'bob'] });
    assert.ok(
      req.gate?.due && Math.abs(Date.parse(req.gate.due) - Date.now() - 3_600_000) < 60_000,
      `due ${req.gate?.due}`,
    );
    assert.equal(req.links.run, `http://phasegate.test/runs/${runId}`);
    assert.equal(req.links.temporal, `http://ui.test/namespaces/default/workflows/${runId}`);
    assert.deepEqual(
      req.links.approve?.map((l) => l.approver),
      ['alice', 'bob', 'cto'],
    );
    const claims = verifyLink(SECRET, (req.links.approve?.[0]?.url ?? '').replace('http://phasegate.test/links/', ''));
    assert.deepEqual([claims.run, claims.gate, claims.approver], [runId, 'release', 'alice']);
    assert.equal(claims.exp, Math.floor(Date.parse(req.gate?.due ?? '') / 1000));

    // A Slack message is Slack's shape only (no runId field): this test's hits are its own.
    const slackHits = () => hits.filter((h) => h.path === '/slack');
    await eventually(() => slackHits().length === 1, 'slack message');
    const slack = slackHits()[0]?.body as unknown as {
      text: string;
      blocks: { type: string; text?: { text: string }; elements?: { url?: string }[] }[];
    };
    assert.match(slack.text, /^Notify me \(notify-gate-[0-9a-f]{4}\): gate release: awaiting decisions$/);
    assert.match(
      slack.blocks[0]?.text?.text ?? '',
      /:white_check_mark: `build\.ratio &gt;= 0\.95` \(actual 0\.97\)\n\*Approvers:\* alice, bob, cto · quorum 1 · due /,
    );
    assert.equal(slack.blocks[2]?.type, 'actions');
    assert.equal(slack.blocks[2]?.elements?.length, 3);

    await handle.executeUpdate(decideUpdate, {
      args: [{ gate: 'release', decision: 'go', approver: 'bob', comment: 'ship it' }],
    });
    const final = await waitForOutcome(handle);
    assert.equal(final.outcome, 'succeeded');
    // The outcome is in the status before the run's last deliveries are done; the run closes only
    // once they are (the final wait in notifications.ts), so every delivery has arrived by then.
    // Waiting for `ended` alone raced a slower approval-decided delivery (CI flake, 2 of 5 runs).
    await handle.result();
    // Deliveries run side by side: their order is the sequence number in the key, not arrival.
    const seq = (b: NotificationBody) => Number(b.key?.split('/').at(-1));
    const events = bodies('/hook', runId)
      .sort((a, b) => seq(a) - seq(b))
      .map((b) => b.event);
    assert.deepEqual(events, ['approval-requested', 'approval-decided', 'ended']);
    const decided = bodies('/decisions', runId);
    assert.equal(decided.length, 1);
    assert.deepEqual(
      decided[0]?.gate?.votes.map((v) => [v.approver, v.decision, v.comment]),
      [['bob', 'go', 'ship it']],
    );
    assert.equal(bodies('/hook', runId).find((b) => b.event === 'ended')?.outcome?.outcome, 'succeeded');
    assert.equal(slackHits().length, 1, 'the slack target only wants approval-requested');
    assert.equal(slackHits()[0]?.headers['idempotency-key'], req.key);
  });

  it('held and escalated; a failing target is retried with the same key, the webhook is not posted twice', async () => {
    hits = [];
    flakyLeft = 2;
    const plan: PhasePlan = {
      id: 'notify-held',
      escalateAfter: '1s',
      notify: [{ url: `${base}/flaky`, events: ['held'] }],
      steps: [
        {
          id: 'flaky-task',
          run: { kind: 'simulate', duration: '10ms', failAttempts: 1 },
          retry: { maximumAttempts: 1 },
          onFailure: 'hold',
        },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    const runId = handle.workflowId;
    await waitForStatus(handle, (s) => s.steps[0]?.held === true);
    await eventually(() => bodies('/flaky', runId).length === 3, 'three tries of the flaky target');
    const keys = new Set(hits.filter((h) => h.path === '/flaky').map((h) => h.headers['idempotency-key']));
    assert.deepEqual([...keys], [`${runId}/held/1`]);
    const held = bodies('/hook', runId).filter((b) => b.event === 'held');
    assert.equal(held.length, 1, 'delivered to the webhook once, though the activity ran three times');
    assert.equal(held[0]?.held?.step, 'flaky-task');
    await eventually(() => bodies('/hook', runId).some((b) => b.event === 'escalated'), 'escalated');
    const esc = bodies('/hook', runId).find((b) => b.event === 'escalated');
    assert.equal(esc?.type, 'escalation');
    assert.equal(esc?.step, 'flaky-task');
    await handle.executeUpdate(actUpdate, { args: [{ step: 'flaky-task', action: 'skip' }] });
    assert.equal((await waitForOutcome(handle)).outcome, 'succeeded');
  });

  it('checkpoints: a progress digest every interval into the status, the event log and the notifications, with timer summaries', async () => {
    hits = [];
    const plan: PhasePlan = {
      id: 'notify-checkpoint',
      checkpoint: '1s',
      steps: [
        { id: 'build', run: { kind: 'simulate', duration: '10ms' } },
        { id: 'release', gate: { needs: ['build'], approval: { approvers: ['cto'] } } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    const runId = handle.workflowId;
    const s = await waitForStatus(handle, (st) => (st.checkpoints?.length ?? 0) >= 2, 20_000);
    const cp = s.checkpoints?.[1];
    assert.equal(cp?.seq, 2);
    assert.deepEqual(cp?.steps, { succeeded: 1, 'awaiting-approval': 1 });
    assert.deepEqual(cp?.gatesWaiting, ['release']);
    assert.ok(
      s.events.some(
        (e) =>
          e.type === 'checkpoint' && e.message === 'checkpoint 2: 1 succeeded, 1 awaiting-approval; waiting: release',
      ),
    );
    await eventually(
      () => bodies('/hook', runId).filter((b) => b.event === 'checkpoint').length >= 2,
      'two checkpoint notifications',
    );
    const note = bodies('/hook', runId).find((b) => b.event === 'checkpoint' && b.checkpoint?.seq === 1);
    assert.deepEqual(note?.checkpoint?.gatesWaiting, ['release']);
    await handle.executeUpdate(decideUpdate, { args: [{ gate: 'release', decision: 'go', approver: 'cto' }] });
    const final = await waitForOutcome(handle);
    const after = final.checkpoints?.length ?? 0;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(
      (await waitForOutcome(handle)).checkpoints?.length ?? 0,
      after,
      'no checkpoint once the run has ended',
    );
    const history = await handle.fetchHistory();
    const summaries = (history.events ?? [])
      .filter((e) => e.timerStartedEventAttributes)
      .map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8'));
    assert.ok(summaries.includes('"checkpoint 1 (every 1s)"'), JSON.stringify(summaries));
  });

  it("a program's notify targets hear of every phase", async () => {
    hits = [];
    const program = {
      id: 'notify-program',
      kind: 'program' as const,
      notify: [{ url: `${base}/program`, events: ['ended' as const] }],
      phases: [
        { id: 'notify-p1', steps: [{ id: 'a', run: { kind: 'simulate' as const, duration: '10ms' } }] },
        { id: 'notify-p2', steps: [{ id: 'b', run: { kind: 'simulate' as const, duration: '10ms' } }] },
      ],
    };
    const handle = await startRun(env.client, program, { taskQueue: worker.taskQueue });
    assert.equal((await waitForOutcome(handle)).outcome, 'succeeded');
    await eventually(() => hits.filter((h) => h.path === '/program').length === 2, 'one ended per phase');
    assert.deepEqual(
      hits
        .filter((h) => h.path === '/program')
        .map((h) => h.body.runId)
        .sort(),
      [`${handle.workflowId}--notify-p1`, `${handle.workflowId}--notify-p2`],
    );
  });
});
