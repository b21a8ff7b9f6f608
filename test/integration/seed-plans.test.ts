/**
 * The bundled seed plans run end to end on the real dev server: to `succeeded` when every gate gets
 * its quorum of go votes, and to `rejected` (with rollback) when the first approval gets a no-go.
 * Programs are followed into their child phases.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { env, useTemporal, worker } from '../helpers/fixture';
import { startRun } from '../../client/runs';
import { BUNDLED_PLANS_DIR, loadPlanCatalog, resolvePlan, type PlanCatalog } from '../../client/plans';
import { drive } from '../helpers/drive';

let catalog: PlanCatalog;
useTemporal();
before(async () => {
  catalog = await loadPlanCatalog(BUNDLED_PLANS_DIR);
});

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
        const handle = await startRun(env.client, resolved.plan, {
          taskQueue: worker.taskQueue,
          runId: `${id}-${decision}`,
        });
        const s = await drive(env.client, handle, decision);
        return { id, decision, s, seconds: (Date.now() - started) / 1000 };
      }),
    );
    for (const { id, decision, s, seconds } of await Promise.all(runs)) {
      if (decision === 'go') {
        assert.equal(s.outcome, 'succeeded', `${id}: ${s.cause}`);
        if (s.kind === 'phase') {
          assert.ok(
            s.steps.every((x) => x.state === 'succeeded'),
            `${id}: all tasks succeeded`,
          );
          assert.ok(
            s.gates.every((g) => g.state === 'go'),
            `${id}: all gates go`,
          );
        } else {
          assert.ok(
            s.phases?.every((p) => p.outcome === 'succeeded'),
            `${id}: all phases succeeded`,
          );
        }
        assert.ok(seconds < 60, `${id} finished in ${seconds}s (goal: under a minute once approved)`);
      } else {
        assert.equal(s.outcome, 'rejected', `${id}: ${s.cause}`);
        if (s.kind === 'phase') assert.ok(s.compensations.length > 0, `${id}: rejection rolled back completed tasks`);
      }
    }
  });
});
