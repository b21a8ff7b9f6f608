/**
 * What the workflow bundle (the code the worker replays in its sandbox) may contain: the workflow
 * SDK and workflow code, but not zod, the plan schema or the status schema, which workflow code
 * imports as types only. Lint catches a value import in review; this catches one that slips in
 * through a re-export.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { workflowBundle } from '../helpers/temporal';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

void describe('workflow bundle', () => {
  it('holds the workflow code and no zod, plan schema or status schema', async () => {
    const { code } = await workflowBundle();
    assert.match(code, /workflows\/phase\/workflow\.ts/, 'the bundle names its modules by path');
    for (const banned of [
      /node_modules\/zod\//,
      /workflows\/status-schema\.ts/,
      /workflows\/plan\/schema\.ts/,
      /node_modules\/yaml\//,
    ]) {
      assert.doesNotMatch(code, banned);
    }
  });
});
