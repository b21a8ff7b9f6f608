/** The MCP server's pure parts: paths, tool errors, input schemas, and which gates await whom. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BackendError, fillPath } from '../../client/mcp/backend';
import { toolError } from '../../client/mcp/results';
import { DecideInputSchema, NextTaskInputSchema, ValidatePlanInputSchema } from '../../client/mcp/schemas';
import { pendingGates } from '../../client/mcp/tools/decisions';
import { listRunsQuery } from '../../client/mcp/tools/runs';
import type { GateStatus, RunStatus } from '../../workflows/status';

function gate(over: Partial<GateStatus>): GateStatus {
  return {
    id: 'release',
    type: 'gate',
    needs: [],
    state: 'awaiting-approval',
    checks: [],
    votes: [],
    quorum: 1,
    approvers: ['alice'],
    startedAt: 't',
    endedAt: null,
    deadline: null,
    decidedBy: null,
    ...over,
  };
}

describe('MCP helpers', () => {
  it('fills route paths with encoded params and refuses a missing one', () => {
    assert.equal(
      fillPath('/api/runs/:runId/steps/:stepId/complete', { runId: 'a b', stepId: 's/1' }),
      '/api/runs/a%20b/steps/s%2F1/complete',
    );
    assert.throws(() => fillPath('/api/runs/:runId', {}), /runId/);
  });

  it('a tool error names status and fields; anything else is generic, without internals', () => {
    const err = toolError(
      new BackendError(400, 'invalid request body', [{ path: 'metrics.x', message: 'must be a number' }]),
    );
    assert.equal(err.isError, true);
    const text = (err.content[0] as { text: string }).text;
    assert.match(text, /HTTP 400/);
    assert.match(text, /- metrics\.x: must be a number/);
    assert.deepEqual(err.structuredContent, {
      error: 'invalid request body',
      status: 400,
      details: [{ path: 'metrics.x', message: 'must be a number' }],
    });
    const bug = toolError(
      new TypeError('cannot read properties of undefined (reading "x") at /work/secret/file.ts:3:4'),
    );
    assert.equal(
      (bug.content[0] as { text: string }).text,
      'internal error: the MCP server failed to handle this call',
    );
  });

  it("input schemas are the routes' schemas, strict", () => {
    assert.equal(DecideInputSchema.safeParse({ runId: 'r-1', gate: 'release', decision: 'go' }).success, true);
    assert.equal(
      DecideInputSchema.safeParse({ runId: 'r-1', gate: 'release', decision: 'go', colour: 'red' }).success,
      false,
    );
    assert.equal(DecideInputSchema.safeParse({ runId: '../x', gate: 'release', decision: 'go' }).success, false);
    // `wait` stays text: the route turns it into milliseconds.
    assert.deepEqual(NextTaskInputSchema.parse({ agent: 'reviewer', wait: '30s' }), { agent: 'reviewer', wait: '30s' });
    assert.equal(ValidatePlanInputSchema.safeParse({}).success, false);
    assert.equal(ValidatePlanInputSchema.safeParse({ yaml: 'id: x', plan: {} }).success, false);
    assert.equal(ValidatePlanInputSchema.safeParse({ yaml: 'id: x' }).success, true);
  });

  it('list_runs filters become the query strings of GET /api/runs', () => {
    assert.deepEqual(listRunsQuery({ state: 'running', awaitingApproval: false, pageSize: 5 }), {
      state: 'running',
      awaitingApproval: 'false',
      pageSize: '5',
    });
  });

  it('pending gates: awaiting only, and for an approver only those listing them (or a group) without their vote', () => {
    const status = {
      runId: 'r-1',
      plan: 'p',
      title: 'P',
      gates: [
        gate({ id: 'a' }),
        gate({ id: 'b', approvers: ['bob'] }),
        gate({ id: 'c', votes: [{ approver: 'alice', decision: 'go', at: 't' }], quorum: 2 }),
        gate({ id: 'd', approvers: ['group:release'] }),
        gate({ id: 'e', state: 'go' }),
      ],
    } as unknown as RunStatus;
    assert.deepEqual(
      pendingGates(status).map((g) => g.gate),
      ['a', 'b', 'c', 'd'],
    );
    assert.deepEqual(
      pendingGates(status, 'alice').map((g) => g.gate),
      ['a', 'd'],
    );
    assert.equal(pendingGates(status)[0]?.runId, 'r-1');
  });
});
