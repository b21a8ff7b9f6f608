/**
 * Timers at their real lengths (hours, quarter hours) on Temporal's time-skipping test server:
 * approval timeouts, escalations, deadlines and checkpoints as plans write them, instead of
 * sub-second stand-ins.
 * Time jumps while the client awaits a result, so these plans wait in the workflow (a gate, an
 * unclaimed agent task), never in an activity, which would take real time.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { env, useTemporal, worker } from '../helpers/fixture';
import { startRun } from '../../client/runs';
import { decideUpdate, statusQuery } from '../../workflows/messages';
import { formatDuration } from '../../workflows/plan/duration';
import type { PhasePlan } from '../../workflows/plan/schema';
import type { RunStatus } from '../../workflows/status';

useTemporal({ timeSkipping: true });

/** Runs `plan` to its end (time skipping while waiting) and returns its final status and failure type, if any. */
async function runToEnd(
  plan: PhasePlan,
): Promise<{ status: RunStatus; failureType: string | undefined; elapsedMs: number }> {
  const started = Date.now();
  const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
  let failureType: string | undefined;
  try {
    await handle.result();
  } catch (err) {
    assert.ok(err instanceof WorkflowFailedError, String(err));
    failureType = (err.cause as { type?: string } | undefined)?.type;
  }
  return { status: await handle.query(statusQuery), failureType, elapsedMs: Date.now() - started };
}

const hours = (iso1: string, iso2: string) => (Date.parse(iso2) - Date.parse(iso1)) / 3_600_000;

describe('timers at real lengths (time-skipping server)', () => {
  it('closes a gate nobody decides as its 24h approval timeout says, after escalating it once at 15m', async () => {
    const plan: PhasePlan = {
      id: 'approval-24h',
      escalateAfter: '15m',
      steps: [{ id: 'release', gate: { approval: { approvers: ['cto'], timeout: '24h' } } }],
    };
    const { status, failureType, elapsedMs } = await runToEnd(plan);
    assert.equal(status.outcome, 'rejected');
    assert.equal(failureType, 'PhaseRejected');
    const gate = status.gates[0];
    assert.equal(gate?.decidedBy, 'timeout');
    assert.deepEqual(
      gate?.votes.map((v) => [v.approver, v.decision, v.via]),
      [['timeout', 'no-go', 'timeout']],
    );
    assert.ok(
      Math.abs(hours(gate?.startedAt ?? '', gate?.endedAt ?? '') - 24) < 0.01,
      `gate open for 24h of workflow time (${gate?.startedAt} → ${gate?.endedAt})`,
    );
    assert.deepEqual(
      status.escalations.map((e) => [e.step, e.reason]),
      [['release', 'awaiting-approval longer than 15m']],
    );
    assert.ok(
      Math.abs(hours(gate?.startedAt ?? '', status.escalations[0]?.at ?? '') - 0.25) < 0.01,
      'escalated 15m after the gate opened',
    );
    assert.ok(elapsedMs < 60_000, `a day of workflow time took ${elapsedMs} ms`);
  });

  it('goes on by onTimeout: go when nobody decides within 24h', async () => {
    const plan: PhasePlan = {
      id: 'approval-24h-go',
      steps: [
        { id: 'release', gate: { approval: { approvers: ['cto'], timeout: '24h', onTimeout: 'go' } } },
        { id: 'after', needs: ['release'], run: { kind: 'simulate', duration: '10ms' } },
      ],
    };
    const { status } = await runToEnd(plan);
    assert.equal(status.outcome, 'succeeded');
    assert.equal(status.gates[0]?.state, 'go');
    assert.equal(status.gates[0]?.decidedBy, 'timeout');
    assert.equal(status.gates[0]?.votes[0]?.via, 'timeout');
    assert.equal(status.steps[0]?.state, 'succeeded');
  });

  it('times the run out at its 15m deadline while an agent task waits for a claim, escalating the task at 10m', async () => {
    const plan: PhasePlan = {
      id: 'deadline-15m',
      deadline: '15m',
      escalateAfter: '10m',
      steps: [
        { id: 'review', agent: 'reviewer', run: { kind: 'agent', instructions: 'nobody comes' }, timeout: '24h' },
      ],
    };
    const { status, failureType } = await runToEnd(plan);
    assert.equal(status.outcome, 'timed-out');
    assert.equal(failureType, 'PhaseTimedOut');
    assert.match(status.cause ?? '', /deadline of 15m passed/);
    assert.deepEqual(
      status.escalations.map((e) => [e.step, e.reason]),
      [['review', 'running longer than 10m']],
    );
    const started = status.events.find((e) => e.type === 'started')?.at ?? '';
    const deadline = status.events.find((e) => e.type === 'deadline')?.at ?? '';
    assert.ok(
      Math.abs(hours(started, deadline) - 0.25) < 0.01,
      `deadline 15m after the start (${started} → ${deadline})`,
    );
  });

  it('takes a 30m checkpoint of a run waiting on its 24h gate, keeps the last 20 in the status and all in the event log, and ends with a checkpoint timer still set', async () => {
    const plan: PhasePlan = {
      id: 'checkpoint-30m',
      checkpoint: '30m',
      escalateAfter: '45m',
      steps: [
        { id: 'release', gate: { approval: { approvers: ['cto'], timeout: '24h' } } },
        { id: 'ship', needs: ['release'], run: { kind: 'simulate', duration: '10ms' } },
      ],
    };
    const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
    await env.sleep('12.25h'); // 24 checkpoints; the 25th is due at 12h 30m
    const waiting = await handle.query(statusQuery);
    assert.equal(waiting.state, 'awaiting-approval');
    const started = waiting.startedAt ?? '';

    // The event log has every checkpoint, numbered from 1, each with its digest in the message.
    const logged = waiting.events.filter((e) => e.type === 'checkpoint');
    assert.deepEqual(
      logged.map((e) => e.message),
      Array.from({ length: 24 }, (_, i) => `checkpoint ${i + 1}: 1 pending, 1 awaiting-approval; waiting: release`),
    );
    logged.forEach((e, i) =>
      assert.ok(
        Math.abs(hours(started, e.at) - (i + 1) / 2) < 0.01,
        `checkpoint ${i + 1} at ${(i + 1) / 2}h (${started} → ${e.at})`,
      ),
    );

    // The status keeps the last 20 (5…24), each a digest of the run at that time.
    const kept = waiting.checkpoints ?? [];
    assert.deepEqual(
      kept.map((c) => c.seq),
      Array.from({ length: 20 }, (_, i) => i + 5),
    );
    for (const c of kept) {
      assert.deepEqual(
        {
          state: c.state,
          steps: c.steps,
          gatesWaiting: c.gatesWaiting,
          escalations: c.escalations,
          elapsed: c.elapsed,
        },
        {
          state: 'awaiting-approval',
          steps: { 'awaiting-approval': 1, pending: 1 },
          gatesWaiting: ['release'],
          escalations: 1, // the gate escalated once, at 45m
          elapsed: formatDuration(c.seq * 30 * 60_000),
        },
        `checkpoint ${c.seq}`,
      );
      assert.ok(Math.abs(hours(started, c.at) - c.seq / 2) < 0.01, `checkpoint ${c.seq} at ${c.seq / 2}h`);
    }

    // A go ends the run though the checkpoint timer is still set; no checkpoint comes after the end.
    await handle.executeUpdate(decideUpdate, { args: [{ gate: 'release', decision: 'go', approver: 'cto' }] });
    await handle.result();
    const final = await handle.query(statusQuery);
    assert.equal(final.outcome, 'succeeded');
    assert.ok(
      hours(started, final.endedAt ?? '') < 12.5,
      `ended before the 25th checkpoint was due (${final.endedAt})`,
    );
    assert.equal(final.checkpoints?.at(-1)?.seq, 24);
    const ended = final.events.findIndex((e) => e.type === 'outcome');
    assert.ok(ended >= 0, 'an outcome event');
    assert.ok(
      final.events.slice(ended).every((e) => e.type !== 'checkpoint'),
      'no checkpoint after the end',
    );
  });
});
