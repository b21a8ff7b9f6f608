/**
 * Replays every history committed under test/histories against the current workflow code. A change
 * to workflow code that would break runs already in flight fails here (add `patched()` then).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from '../helpers/temporal';

const DIR = join(__dirname, '..', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  it('has histories to replay', () => {
    assert.ok(files.length >= 5, `expected recorded histories in ${DIR}, found ${files.length}`);
  });

  it('replays every history without non-determinism', async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(DIR, f), 'utf8'))) }));
    const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories);
    let count = 0;
    for await (const r of results) {
      count++;
      assert.equal(r.error, undefined, `${r.workflowId}: ${r.error?.message}`);
    }
    assert.equal(count, files.length);
  });
});
