/**
 * Rollback (saga), holds, cancellation, deadlines and escalation through the real dev server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWorker, waitForOutcome, waitForStatus, type TestWorker } from '../helpers/temporal';
import { env, useTemporal, worker } from '../helpers/fixture';
import { stepOf } from '../helpers/status';
import { startRun } from '../../client/runs';
import { actSignal, actUpdate, decideUpdate } from '../../workflows/messages';
import type { PhasePlan } from '../../workflows/plan/schema';

useTemporal();

const undo = { kind: 'simulate' as const, duration: '50ms' };

describe('rollback', () => {
  it('compensates completed tasks newest completion first, parallel ones included, on a no-go', async () => {
    const plan: PhasePlan = {
      id: 'saga-nogo',
      steps: [
        { id: 'fast', run: { kind: 'simulate', duration: '100ms' }, rollback: undo },
        { id: 'slow', run: { kind: 'simulate', duration: '900ms' }, rollback: undo },
        { id: 'no-undo', run: { kind: 'simulate', duration: '50ms' } },
        { id: 'last', needs: ['fast', 'slow'], run: { kind: 'simulate', duration: '50ms' }, rollback: undo },
        { id: 'gate', gate: { needs: ['last', 'no-undo'], approval: { approvers: ['cto'] } } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    await waitForStatus(handle, (s) => s.gates[0]?.state === 'awaiting-approval');
    await handle.executeUpdate(decideUpdate, {
      args: [{ gate: 'gate', decision: 'no-go', approver: 'cto', comment: 'roll it back' }],
    });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'rejected');
    assert.deepEqual(
      s.compensations.map((c) => [c.step, c.state]),
      [
        ['last', 'succeeded'],
        ['slow', 'succeeded'],
        ['fast', 'succeeded'],
      ],
    );
    for (const id of ['last', 'slow', 'fast']) assert.equal(stepOf(s, id).state, 'compensated');
    assert.equal(stepOf(s, 'no-undo').state, 'succeeded');
    assert.match(s.cause ?? '', /no-go by cto/);
  });

  it('on a task failure records a failing compensation and still runs the others', async () => {
    const plan: PhasePlan = {
      id: 'saga-fail',
      steps: [
        { id: 'one', run: { kind: 'simulate' }, rollback: undo },
        {
          id: 'two',
          needs: ['one'],
          run: { kind: 'simulate' },
          retry: { maximumAttempts: 2, initialInterval: '100ms' },
          rollback: { kind: 'simulate', failAttempts: 10 },
        },
        { id: 'three', needs: ['two'], run: { kind: 'simulate', failAttempts: 10 }, retry: { maximumAttempts: 1 } },
      ],
    };
    const s = await waitForOutcome(await startRun(env.client, plan, { taskQueue: worker.taskQueue }));
    assert.equal(s.outcome, 'failed');
    assert.match(s.cause ?? '', /task "three" failed after 1 attempt/);
    assert.deepEqual(
      s.compensations.map((c) => [c.step, c.state]),
      [
        ['two', 'failed'],
        ['one', 'succeeded'],
      ],
    );
    assert.match(s.compensations[0]?.error ?? '', /simulated failure/);
    assert.equal(stepOf(s, 'two').state, 'compensation-failed');
    assert.equal(stepOf(s, 'one').state, 'compensated');
  });

  it('cancel mid-task stops the running task and rolls back: outcome cancelled', async () => {
    const plan: PhasePlan = {
      id: 'cancel-me',
      steps: [
        { id: 'done', run: { kind: 'simulate' }, rollback: undo },
        { id: 'long', needs: ['done'], run: { kind: 'simulate', duration: '5m' }, rollback: undo },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    await waitForStatus(handle, (s) => stepOf(s, 'long').state === 'running');
    await handle.cancel();
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'cancelled');
    assert.deepEqual(
      s.compensations.map((c) => c.step),
      ['done'],
      'only completed tasks are compensated',
    );
    assert.equal(stepOf(s, 'long').error, 'cancelled');
    // The outcome is in the status before the workflow closes (it still drains notifications).
    await handle.result().catch(() => undefined);
    const desc = await handle.describe();
    assert.equal(desc.status.name, 'CANCELLED');
    assert.ok(
      Date.parse(s.endedAt ?? '') - Date.parse(s.startedAt ?? '') < 60_000,
      'the 5m task did not run to its end',
    );
  });

  it('deadline passed: rolls back with outcome timed-out', async () => {
    const plan: PhasePlan = {
      id: 'deadline',
      deadline: '2s',
      steps: [
        { id: 'quick', run: { kind: 'simulate' }, rollback: undo },
        { id: 'forever', needs: ['quick'], run: { kind: 'simulate', duration: '10m' } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'timed-out');
    assert.equal(s.state, 'timed-out');
    assert.match(s.cause ?? '', /deadline of 2s passed/);
    assert.deepEqual(
      s.compensations.map((c) => c.step),
      ['quick'],
    );
    await assert.rejects(handle.result(), (err: { cause?: { type?: string } }) => err.cause?.type === 'PhaseTimedOut');
  });
});

describe('holds', () => {
  const heldPlan = (id: string): PhasePlan => ({
    id,
    defaults: { onFailure: 'hold', retry: { maximumAttempts: 1 } },
    steps: [
      { id: 'wobbly', run: { kind: 'simulate', failAttempts: 1, metrics: { n: 1 } }, metrics: { n: {} } },
      { id: 'next', needs: ['wobbly'], run: { kind: 'simulate' } },
    ],
  });

  it('hold → retry runs the task again and the run continues', async () => {
    const handle = await startRun(env.client, heldPlan('hold-retry'), { taskQueue: worker.taskQueue });
    const held = await waitForStatus(handle, (s) => s.state === 'held');
    assert.equal(stepOf(held, 'wobbly').held, true);
    assert.equal(stepOf(held, 'wobbly').state, 'failed');
    const after = await handle.executeUpdate(actUpdate, {
      args: [{ step: 'wobbly', action: 'retry', operator: 'ops' }],
    });
    assert.equal(after.id, 'wobbly');
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    assert.equal(stepOf(s, 'wobbly').attempts, 2);
    assert.equal(stepOf(s, 'next').state, 'succeeded');
  });

  it('hold → skip (by signal) marks the task skipped and dependents proceed; acting on a task that is not held is refused', async () => {
    const handle = await startRun(env.client, heldPlan('hold-skip'), { taskQueue: worker.taskQueue });
    await waitForStatus(handle, (s) => s.state === 'held');
    await assert.rejects(
      handle.executeUpdate(actUpdate, { args: [{ step: 'next', action: 'skip' }] }),
      (err: { cause?: { type?: string; message?: string } }) => {
        assert.equal(err.cause?.type, 'Conflict');
        assert.match(err.cause?.message ?? '', /not held/);
        return true;
      },
    );
    await handle.signal(actSignal, { step: 'wobbly', action: 'skip' });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    assert.equal(stepOf(s, 'wobbly').state, 'skipped');
    assert.equal(stepOf(s, 'next').state, 'succeeded');
  });

  it('hold → abort rolls back with outcome failed', async () => {
    const plan = heldPlan('hold-abort');
    plan.steps.unshift({ id: 'first', run: { kind: 'simulate' }, rollback: undo });
    plan.steps[1] = { ...plan.steps[1]!, needs: ['first'] };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    await waitForStatus(handle, (s) => s.state === 'held');
    await handle.executeUpdate(actUpdate, { args: [{ step: 'wobbly', action: 'abort' }] });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'failed');
    assert.match(s.cause ?? '', /aborted by operator/);
    assert.deepEqual(
      s.compensations.map((c) => c.step),
      ['first'],
    );
  });
});

describe('escalation', () => {
  let hooks: unknown[] = [];
  let server: Server;
  let hookWorker: TestWorker;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooks.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hookWorker = await startWorker(env, {
      activities: { webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` },
    });
  });
  after(async () => {
    await hookWorker?.stop();
    server?.close();
  });

  it('emits exactly one escalation per state that lasts longer than escalateAfter, and calls the webhook', async () => {
    hooks = [];
    const plan: PhasePlan = {
      id: 'escalate',
      escalateAfter: '700ms',
      steps: [
        { id: 'slowpoke', agent: 'reviewer', run: { kind: 'simulate', duration: '2500ms' } },
        { id: 'quick', run: { kind: 'simulate', duration: '100ms' } },
        { id: 'gate', gate: { needs: ['slowpoke'], approval: { approvers: ['cto'], timeout: '2s', onTimeout: 'go' } } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: hookWorker.taskQueue });
    const s = await waitForOutcome(handle);
    assert.equal(s.outcome, 'succeeded');
    assert.deepEqual(
      s.escalations.map((e) => [e.step, e.reason]),
      [
        ['slowpoke', 'running longer than 700ms'],
        ['gate', 'awaiting-approval longer than 700ms'],
      ],
    );
    const desc = await handle.describe();
    assert.equal(desc.searchAttributes.Escalated?.[0], true);
    const deadline = Date.now() + 5000;
    // The webhook gets every run event (approval-requested, ended, …): look at the escalations.
    const escalations = () => (hooks as { type: string; step: string }[]).filter((h) => h.type === 'escalation');
    while (escalations().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      escalations().map((h) => [h.type, h.step]),
      [
        ['escalation', 'slowpoke'],
        ['escalation', 'gate'],
      ],
    );
  });
});
