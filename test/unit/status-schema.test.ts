/**
 * The run status has one source, `workflows/status-schema.ts`: every status the engine produced
 * fits it with nothing left over, and the API's OpenAPI document describes every one of its fields.
 * A field the engine sets but the schema lacks would be stripped by parsing, so each test compares
 * the parse result with the input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { buildOpenApiDocument } from '../../client/api/openapi';
import { allRoutes } from '../../client/api/routes';
import { GateStatusSchema, RunStatusSchema, StepStatusSchema } from '../../workflows/status-schema';
import { PhaseRun } from '../../workflows/phase/run';
import { PhasePlanSchema } from '../../workflows/plan/schema';
import { loadRecordedHistories } from '../helpers/histories';

// describe()/it() return promises that node:test itself awaits; `void` says so to the linter.

/** The status a recorded run returned (succeeded runs return theirs), decoded from the history. */
function recordedResults(): { workflowId: string; status: unknown }[] {
  return loadRecordedHistories().flatMap(({ workflowId, history }) => {
    const last = (history as temporal.api.history.v1.IHistory).events?.at(-1);
    const payload = last?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    if (!payload?.data) return [];
    return [{ workflowId, status: JSON.parse(Buffer.from(payload.data).toString('utf8')) as unknown }];
  });
}

void describe("status schema: the engine's statuses fit it exactly", () => {
  it('every status returned by a recorded run parses with nothing stripped', () => {
    const results = recordedResults();
    assert.ok(results.length >= 3, `expected recorded results, found ${results.length}`);
    for (const { workflowId, status } of results) assert.deepEqual(RunStatusSchema.parse(status), status, workflowId);
  });

  it('the initial status the phase run builds (tasks and gates) parses with nothing stripped', () => {
    const plan = PhasePlanSchema.parse({
      id: 'release',
      title: 'Release',
      steps: [
        {
          id: 'build',
          agent: 'ci',
          run: { kind: 'shell', command: ['true'] },
          rollback: { kind: 'shell', command: ['true'] },
        },
        { id: 'review', agent: 'reviewer', run: { kind: 'agent', instructions: 'look' }, needs: ['build'] },
        { id: 'ship', needs: ['review'], gate: { approval: { approvers: ['alice'], quorum: 1, timeout: '24h' } } },
      ],
    });
    const status = JSON.parse(JSON.stringify(new PhaseRun(plan, 'release-1a2b').status)) as {
      steps: unknown[];
      gates: unknown[];
    };
    assert.equal(status.steps.length + status.gates.length, 3);
    assert.deepEqual(RunStatusSchema.parse(status), status);
  });
});

void describe('status schema: the OpenAPI document', () => {
  const doc = buildOpenApiDocument(allRoutes(), { version: 'test' });
  const components = (doc.components?.schemas ?? {}) as Record<string, { properties?: Record<string, unknown> }>;
  for (const [id, schema] of [
    ['RunStatus', RunStatusSchema],
    ['StepStatus', StepStatusSchema],
    ['GateStatus', GateStatusSchema],
  ] as const) {
    it(`describes every field of ${id}`, () => {
      assert.deepEqual(Object.keys(components[id]?.properties ?? {}).sort(), Object.keys(schema.shape).sort());
    });
  }

  it('serves the run status component for GET /api/runs/{runId}', () => {
    const ok = (doc.paths?.['/api/runs/{runId}']?.get?.responses?.['200'] ?? {}) as {
      content?: Record<string, { schema?: { $ref?: string } }>;
    };
    assert.equal(ok.content?.['application/json']?.schema?.$ref, '#/components/schemas/RunStatus');
  });
});
