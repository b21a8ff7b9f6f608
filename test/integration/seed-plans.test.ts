/**
 * The bundled seed plans run end to end on the real dev server: to `succeeded` when every gate gets
 * its quorum of go votes, and to `rejected` (with rollback) when the first approval gets a no-go.
 * Programs are followed into their child phases.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { createTestEnv, startWorker, type TestWorker } from '../helpers/temporal';
import { startRun } from '../../client/runs';
import { BUNDLED_PLANS_DIR, loadPlanCatalog, resolvePlan, type PlanCatalog } from '../../client/plans';
import { decideUpdate, statusQuery } from '../../workflows/messages';
import type { RunStatus } from '../../workflows/status';

let env: TestWorkflowEnvironment;
let worker: TestWorker;
let catalog: PlanCatalog;
before(async () => {
  env = await createTestEnv();
  worker = await startWorker(env);
  catalog = await loadPlanCatalog(BUNDLED_PLANS_DIR);
});
after(async () => {
  await worker?.stop();
  await env?.teardown();
});

/**
 * Plays the approvers: polls the run (and a program's current phase), votes on every gate that
 * awaits decisions (go from a quorum of approvers, or one no-go), until the run has an outcome.
 */
async function drive(handle: WorkflowHandle, decision: 'go' | 'no-go', timeoutMs = 120_000): Promise<RunStatus> {
  const deadline = Date.now() + timeoutMs;
  const voted = new Set<string>();
  while (Date.now() < deadline) {
    const status = await handle.query(statusQuery).catch(() => undefined);
    if (status?.outcome) return status;
    const targets: WorkflowHandle[] = [];
    if (status?.kind === 'program') {
      for (const p of status.phases ?? []) if (p.outcome === null) targets.push(env.client.workflow.getHandle(p.runId));
    } else if (status) targets.push(handle);
    for (const h of targets) {
      const s = await h.query(statusQuery).catch(() => undefined);
      assert.ok(!s || s.state !== 'held', `unexpected hold in ${h.workflowId}: ${JSON.stringify(s?.steps.filter((x) => x.held))}`);
      for (const g of s?.gates ?? []) {
        if (g.state !== 'awaiting-approval') continue;
        const approvers = g.approvers.length > 0 ? g.approvers : ['operator'];
        const needed = decision === 'go' ? Math.max(g.quorum, 1) : 1;
        for (const approver of approvers.slice(0, needed)) {
          const key = `${h.workflowId}/${g.id}/${approver}`;
          if (voted.has(key)) continue;
          voted.add(key);
          await h.executeUpdate(decideUpdate, { args: [{ gate: g.id, decision, approver, comment: `test ${decision}` }] });
        }
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`run ${handle.workflowId} did not finish in ${timeoutMs}ms`);
}

const seedIds = ['phase-2-program', 'phase-6-orchestration', 'phase-7-release'];

describe('seed plans', () => {
  it('every bundled plan loads and validates', () => {
    assert.deepEqual(catalog.problems, []);
    for (const id of seedIds) assert.ok(catalog.plans.has(id), `bundled plan ${id}`);
  });

  it('each seed plan runs to succeeded with all approvals given, and to rejected with a no-go', async () => {
    const runs = seedIds.flatMap((id) =>
      (['go', 'no-go'] as const).map(async (decision) => {
        const plan = catalog.plans.get(id);
        assert.ok(plan);
        const resolved = resolvePlan(plan, catalog);
        assert.ok(resolved.ok, JSON.stringify(resolved));
        const started = Date.now();
        const handle = await startRun(env.client, resolved.plan, { taskQueue: worker.taskQueue, runId: `${id}-${decision}` });
        const s = await drive(handle, decision);
        return { id, decision, s, seconds: (Date.now() - started) / 1000 };
      }),
    );
    for (const { id, decision, s, seconds } of await Promise.all(runs)) {
      if (decision === 'go') {
        assert.equal(s.outcome, 'succeeded', `${id}: ${s.cause}`);
        if (s.kind === 'phase') {
          assert.ok(s.steps.every((x) => x.state === 'succeeded'), `${id}: all tasks succeeded`);
          assert.ok(s.gates.every((g) => g.state === 'go'), `${id}: all gates go`);
        } else {
          assert.ok(s.phases?.every((p) => p.outcome === 'succeeded'), `${id}: all phases succeeded`);
        }
        assert.ok(seconds < 60, `${id} finished in ${seconds}s (goal: under a minute once approved)`);
      } else {
        assert.equal(s.outcome, 'rejected', `${id}: ${s.cause}`);
        if (s.kind === 'phase') assert.ok(s.compensations.length > 0, `${id}: rejection rolled back completed tasks`);
      }
    }
  });
});
