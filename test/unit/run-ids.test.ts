/**
 * Generated run ids: `<plan>-<4 hex>`, and a generated id that happens to be taken is replaced by a
 * fresh one instead of failing the caller (an explicit run id that is taken still fails).
 * The Temporal client is a stand-in here: only the id handling of `startRun` is under test; the
 * real start path is covered by the integration tests.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { newRunId, RunIdTakenError, startRun } from '../../client/runs';
import type { PhasePlan } from '../../workflows/plan/schema';

const plan: PhasePlan = { id: 'p', steps: [{ id: 'a', run: { kind: 'simulate' } }] };

/** A client whose `workflow.start` refuses the ids in `taken` and records every id tried. */
function clientRefusing(taken: (id: string, n: number) => boolean): { client: Client; tried: string[] } {
  const tried: string[] = [];
  const start = async (_type: string, opts: { workflowId: string }) => {
    tried.push(opts.workflowId);
    if (taken(opts.workflowId, tried.length))
      throw new WorkflowExecutionAlreadyStartedError('taken', opts.workflowId, 'phaseWorkflow');
    return { workflowId: opts.workflowId };
  };
  return { client: { workflow: { start } } as unknown as Client, tried };
}

describe('run ids', () => {
  it('look like <plan>-<4 hex>', () => {
    assert.match(newRunId('phase-7-release'), /^phase-7-release-[0-9a-f]{4}$/);
    assert.match(newRunId('p', 6), /^p-[0-9a-f]{12}$/);
  });

  it('a generated id that is taken is replaced by another', async () => {
    const { client, tried } = clientRefusing((_id, n) => n <= 2);
    const handle = await startRun(client, plan, { taskQueue: 'q' });
    assert.equal(tried.length, 3);
    assert.equal(handle.workflowId, tried[2]);
    assert.match(handle.workflowId, /^p-[0-9a-f]{4}$/);
  });

  it('after four short collisions it uses a wide id', async () => {
    const { client, tried } = clientRefusing((id) => id.length === 'p-0000'.length);
    const handle = await startRun(client, plan, { taskQueue: 'q' });
    assert.equal(tried.length, 5);
    assert.match(handle.workflowId, /^p-[0-9a-f]{12}$/);
  });

  it('an explicit run id that is taken fails with RunIdTakenError, without retrying', async () => {
    const { client, tried } = clientRefusing(() => true);
    await assert.rejects(
      startRun(client, plan, { taskQueue: 'q', runId: 'mine' }),
      (err) => err instanceof RunIdTakenError && err.runId === 'mine',
    );
    assert.deepEqual(tried, ['mine']);
  });
});
