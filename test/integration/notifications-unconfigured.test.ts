/**
 * A worker without `PHASEGATE_WEBHOOK_URL` and a plan without `notify` targets: nobody receives
 * run events, so the run schedules no `notify` activity for them (it used to schedule one per
 * event, each an activity and a workflow task that did nothing). A plan target still gets its event.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRun } from '../../client/runs';
import { decideUpdate } from '../../workflows/messages';
import type { PhasePlan } from '../../workflows/plan/schema';
import { env, useTemporal, worker } from '../helpers/fixture';
import { waitForOutcome, waitForStatus } from '../helpers/temporal';

useTemporal();

function gatedPlan(id: string, extra: Partial<PhasePlan> = {}): PhasePlan {
  return {
    id,
    steps: [
      { id: 'build', run: { kind: 'simulate', duration: '10ms' } },
      { id: 'release', gate: { needs: ['build'], approval: { approvers: ['cto'], timeout: '1h' } } },
      { id: 'ship', needs: ['release'], run: { kind: 'simulate', duration: '10ms' } },
    ],
    ...extra,
  };
}

/** Runs `plan` through its gate (go) to its end; returns the activity types its history scheduled. */
async function activitiesOfApprovedRun(plan: PhasePlan): Promise<string[]> {
  const handle = await startRun(env.client, plan, { taskQueue: worker.taskQueue });
  await waitForStatus(handle, (s) => s.gates[0]?.state === 'awaiting-approval');
  await handle.executeUpdate(decideUpdate, { args: [{ gate: 'release', decision: 'go', approver: 'cto' }] });
  assert.equal((await waitForOutcome(handle)).outcome, 'succeeded');
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

describe('run events nobody receives', () => {
  it('schedules no notify activity for approval-requested, approval-decided and ended when there is no target', async () => {
    const scheduled = await activitiesOfApprovedRun(gatedPlan('no-targets'));
    assert.deepEqual(scheduled, ['simulateTask', 'simulateTask']);
  });

  it('still delivers the events a plan names a target for, and only those', async () => {
    const got: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push((JSON.parse(body) as { event: string }).event);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/decided`;
      const plan = gatedPlan('decided-target', { notify: [{ url, events: ['approval-decided'] }] });
      const scheduled = await activitiesOfApprovedRun(plan);
      assert.deepEqual(scheduled.sort(), ['notify', 'simulateTask', 'simulateTask']);
      assert.deepEqual(got, ['approval-decided']);
    } finally {
      server.close();
    }
  });
});
