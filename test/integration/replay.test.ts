/**
 * Replays every history committed under test/histories against the current workflow code. A change
 * to workflow code that would break runs already in flight fails here (add `patched()` then).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal';
import { HISTORIES_DIR, loadRecordedHistories } from '../helpers/histories';

describe('replay of recorded histories', () => {
  const histories = loadRecordedHistories();

  it('has histories to replay', () => {
    assert.ok(histories.length >= 5, `expected recorded histories in ${HISTORIES_DIR}, found ${histories.length}`);
  });

  it('replays every history without non-determinism', async () => {
    let count = 0;
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      count++;
      assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
    }
    assert.equal(count, histories.length);
  });
});
