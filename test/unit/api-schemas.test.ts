/**
 * The API's building blocks without a server: request schemas (strict, named fields), the error
 * mapping (zod issues, body-parser errors, Temporal errors → status codes), the visibility query
 * whitelist, byte sizes, and the OpenAPI document listing every route.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { parseByteSize } from '../../client/api/deps';
import { ApiError, parseRequest, RequestValidationError, toApiError } from '../../client/api/errors';
import { buildOpenApiDocument, openApiPath } from '../../client/api/openapi';
import { allRoutes } from '../../client/api/routes';
import { underPlan } from '../../client/api/routes/runs';
import {
  ClaimNextBodySchema,
  CompleteBodySchema,
  DecisionBodySchema,
  FailBodySchema,
  ListRunsQuerySchema,
  PathIdSchema,
  StartRunBodySchema,
} from '../../client/api/schemas';
import {
  agentTasksQuery,
  decodePageToken,
  encodePageToken,
  runsQuery,
  visibilityValue,
} from '../../client/api/visibility';
import { RunIdTakenError } from '../../client/runs';

/** The 400 problems of parsing `value`, as `path: message` strings. */
function problems(schema: Parameters<typeof parseRequest>[0], value: unknown): { path: string; message: string }[] {
  try {
    parseRequest(schema, value, 'body');
  } catch (err) {
    const api = toApiError(err);
    assert.ok(api, 'a RequestValidationError maps to an ApiError');
    assert.equal(api.status, 400);
    return api.details ?? [];
  }
  assert.fail('expected the value to be rejected');
}

void describe('request schemas', () => {
  void test('path ids: safe characters only, no "..", bounded', () => {
    for (const ok of [
      'run-1',
      'phase-7-release-2f9c',
      'A.b_c-9',
      'x'.repeat(200),
      'phase-2-program-weekly-2026-12-07T08:00:00Z',
    ])
      assert.equal(PathIdSchema.safeParse(ok).success, true, ok);
    for (const bad of ['', '..', 'a..b', '.hidden', '-x', 'a/b', 'a b', 'x'.repeat(201), 'é', 'a%2Fb', "a'b"])
      assert.equal(PathIdSchema.safeParse(bad).success, false, bad);
  });

  void test('unknown fields are named', () => {
    assert.deepEqual(problems(DecisionBodySchema, { gate: 'g', decision: 'go', colour: 'red' }), [
      { path: 'colour', message: 'unknown field "colour"' },
    ]);
  });

  void test('missing and mistyped fields are named', () => {
    const p = problems(DecisionBodySchema, { decision: 'maybe', comment: 5 });
    const byPath = new Map(p.map((x) => [x.path, x.message]));
    assert.match(byPath.get('gate') ?? '', /required/);
    assert.ok(byPath.has('decision'));
    assert.ok(byPath.has('comment'));
  });

  void test('start body: a plan id or an object; a bad id is explained', () => {
    assert.equal(StartRunBodySchema.safeParse({ plan: 'demo' }).success, true);
    assert.equal(StartRunBodySchema.safeParse({ plan: { id: 'x' }, runId: 'r-1' }).success, true);
    const bad = problems(StartRunBodySchema, { plan: 42 });
    assert.equal(bad[0]?.path, 'plan');
    assert.equal(problems(StartRunBodySchema, { plan: 'x', runId: '../etc' })[0]?.path, 'runId');
    assert.equal(problems(StartRunBodySchema, { plan: ['a'] })[0]?.path, 'plan');
  });

  void test('agent bodies: a leaseId is required; attempt a positive integer; metrics typed and named; wait at most 60s', () => {
    assert.equal(problems(CompleteBodySchema, { attempt: 1 })[0]?.path, 'leaseId');
    assert.equal(problems(CompleteBodySchema, { leaseId: "x' OR '1'='1" })[0]?.path, 'leaseId');
    assert.equal(problems(CompleteBodySchema, { leaseId: 'L', attempt: 0 })[0]?.path, 'attempt');
    assert.equal(problems(CompleteBodySchema, { leaseId: 'L', attempt: 1.5 })[0]?.path, 'attempt');
    assert.equal(
      problems(CompleteBodySchema, { leaseId: 'L', metrics: { ok: { nested: true } } })[0]?.path,
      'metrics.ok',
    );
    assert.equal(
      problems(CompleteBodySchema, { leaseId: 'L', metrics: { 'bad name': 1 } })[0]?.path,
      'metrics.bad name',
    );
    assert.equal(problems(FailBodySchema, { leaseId: 'L' })[0]?.path, 'reason');
    assert.equal(
      CompleteBodySchema.safeParse({ leaseId: 'L-1', attempt: 2, metrics: { a: 1, b: 'x', c: false }, summary: 'done' })
        .success,
      true,
    );
    assert.equal(ClaimNextBodySchema.parse({ wait: '30s' }).wait, 30_000);
    assert.equal(ClaimNextBodySchema.parse({ wait: '250ms' }).wait, 250);
    assert.equal(problems(ClaimNextBodySchema, { wait: '61s' })[0]?.path, 'wait');
    assert.equal(problems(ClaimNextBodySchema, { wait: '1m' })[0]?.path, 'wait');
  });

  void test('list query: whitelisted values, numbers checked, unknown parameters named', () => {
    assert.deepEqual(
      ListRunsQuerySchema.parse({ state: 'running', plan: 'demo', awaitingApproval: 'true', pageSize: '20' }),
      {
        state: 'running',
        plan: 'demo',
        awaitingApproval: true,
        pageSize: 20,
      },
    );
    assert.equal(problems(ListRunsQuerySchema, { state: "running' OR 1=1" })[0]?.path, 'state');
    assert.equal(problems(ListRunsQuerySchema, { plan: "x' OR PhasePlan != '" })[0]?.path, 'plan');
    assert.equal(problems(ListRunsQuerySchema, { pageSize: '0' })[0]?.path, 'pageSize');
    assert.equal(problems(ListRunsQuerySchema, { pageSize: '5000' })[0]?.path, 'pageSize');
    assert.equal(problems(ListRunsQuerySchema, { pageSize: 'ten' })[0]?.path, 'pageSize');
    assert.equal(problems(ListRunsQuerySchema, { state: ['running', 'held'] })[0]?.path, 'state');
    assert.deepEqual(problems(ListRunsQuerySchema, { sort: 'asc' }), [
      { path: 'sort', message: 'unknown field "sort"' },
    ]);
  });
});

void describe('error mapping', () => {
  void test('body-parser errors become 400/413/415 envelopes', () => {
    const make = (type: string, message = 'boom') => Object.assign(new Error(message), { type, limit: 1024 });
    assert.equal(toApiError(make('entity.too.large'))?.status, 413);
    assert.equal(toApiError(make('entity.parse.failed', 'Unexpected token'))?.status, 400);
    assert.match(toApiError(make('entity.parse.failed', 'Unexpected token'))?.message ?? '', /malformed JSON body/);
    assert.equal(toApiError(make('charset.unsupported'))?.status, 415);
    assert.equal(toApiError(make('encoding.unsupported'))?.status, 415);
  });

  void test('Temporal errors map to status codes by rejection type', () => {
    const rejected = (type: string) =>
      new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type, message: `${type} says no` }));
    assert.equal(toApiError(rejected('NotFound'))?.status, 404);
    assert.equal(toApiError(rejected('Forbidden'))?.status, 403);
    assert.equal(toApiError(rejected('Conflict'))?.status, 409);
    assert.equal(toApiError(rejected('Invalid'))?.status, 400);
    assert.equal(toApiError(rejected('Invalid'))?.message, 'Invalid says no', "the validator's message is passed on");
    assert.equal(toApiError(rejected('Weird'))?.status, 500);
    assert.equal(toApiError(new WorkflowNotFoundError('gone', 'run-1', undefined))?.status, 404);
    assert.equal(toApiError(new WorkflowUpdateRPCTimeoutOrCancelledError('timeout'))?.status, 503);
    assert.equal(toApiError(new RunIdTakenError('run-1'))?.status, 409);
    assert.equal(toApiError(new Error('a bug')), undefined, 'unknown errors are left for the generic 500');
  });

  void test('ApiError and RequestValidationError pass through', () => {
    assert.equal(toApiError(new ApiError(418, 'teapot'))?.status, 418);
    assert.equal(toApiError(new RequestValidationError('query', []))?.status, 400);
  });

  void test('plan problems are re-rooted under the body field "plan"', () => {
    assert.deepEqual(
      underPlan([
        { path: 'steps[1].needs[0]', message: 'm' },
        { path: '', message: 'n' },
      ]),
      [
        { path: 'plan.steps[1].needs[0]', message: 'm' },
        { path: 'plan', message: 'n' },
      ],
    );
  });
});

void describe('visibility queries', () => {
  void test('values are whitelisted and quoted', () => {
    assert.equal(visibilityValue('demo-approval'), "'demo-approval'");
    for (const bad of ["x'", 'a b', 'a\\b', '', "' OR '1'='1", 'x"y'])
      assert.throws(() => visibilityValue(bad), ApiError, bad);
  });

  void test('runs query: workflow types plus each filter', () => {
    assert.equal(runsQuery({}), "WorkflowType IN ('phaseWorkflow', 'programWorkflow')");
    assert.equal(
      runsQuery({ state: 'awaiting-approval', plan: 'demo', awaitingApproval: true }),
      "WorkflowType IN ('phaseWorkflow', 'programWorkflow') AND PhaseState = 'awaiting-approval' AND PhasePlan = 'demo' AND AwaitingApproval = true AND ExecutionStatus = 'Running'",
    );
    assert.equal(agentTasksQuery('reviewer'), "PendingAgents = 'reviewer' AND ExecutionStatus = 'Running'");
  });

  void test('page tokens round-trip for the same query only; garbage is a 400', () => {
    const raw = Buffer.from('temporal-token-bytes');
    const token = encodePageToken('q1', raw);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodePageToken('q1', token), raw);
    assert.equal(decodePageToken('q1', undefined).length, 0);
    for (const [query, bad] of [
      ['q2', token],
      ['q1', 'bm90LWEtdG9rZW4'],
      ['q1', token.slice(0, 10)],
      ['q1', 'A'],
    ] as const) {
      assert.throws(
        () => decodePageToken(query, bad),
        (e: unknown) => e instanceof ApiError && e.status === 400 && e.details?.[0]?.path === 'nextPageToken',
      );
    }
  });
});

void describe('parseByteSize', () => {
  void test('units and errors', () => {
    assert.equal(parseByteSize('1mb'), 1024 * 1024);
    assert.equal(parseByteSize('512kb'), 512 * 1024);
    assert.equal(parseByteSize('2048'), 2048);
    assert.equal(parseByteSize('1.5KB'), 1536);
    for (const bad of ['', 'lots', '0', '-1mb', '1tb']) assert.throws(() => parseByteSize(bad), RangeError, bad);
  });
});

void describe('OpenAPI document', () => {
  void test('lists every route with its method, generated from the schemas', () => {
    const routes = allRoutes();
    const doc = buildOpenApiDocument(routes, { version: '1.2.3' });
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.version, '1.2.3');
    const paths = doc.paths ?? {};
    for (const r of routes) {
      const item = paths[openApiPath(r.path)] as Record<string, unknown> | undefined;
      assert.ok(item?.[r.method], `${r.method.toUpperCase()} ${r.path} is documented`);
    }
    const expected = [
      'GET /healthz',
      'GET /api/plans',
      'POST /api/plans/validate',
      'POST /api/runs',
      'POST /api/runs/batch',
      'GET /api/runs',
      'GET /api/runs/{runId}',
      'GET /api/runs/{runId}/report',
      'POST /api/runs/{runId}/decisions',
      'POST /api/runs/{runId}/cancel',
      'POST /api/runs/{runId}/steps/{stepId}/retry',
      'POST /api/runs/{runId}/steps/{stepId}/skip',
      'GET /api/agents/{agent}/tasks',
      'POST /api/agents/{agent}/claim',
      'POST /api/runs/{runId}/steps/{stepId}/claim',
      'POST /api/runs/{runId}/steps/{stepId}/heartbeat',
      'POST /api/runs/{runId}/steps/{stepId}/complete',
      'POST /api/runs/{runId}/steps/{stepId}/fail',
      'GET /api/openapi.json',
      'POST /api/schedules',
      'GET /api/schedules',
      'GET /api/schedules/{id}',
      'PUT /api/schedules/{id}',
      'DELETE /api/schedules/{id}',
      'POST /api/schedules/{id}/pause',
      'POST /api/schedules/{id}/unpause',
      'POST /api/schedules/{id}/trigger',
    ];
    const documented = Object.entries(paths).flatMap(([p, item]) =>
      Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p}`),
    );
    assert.deepEqual(documented.sort(), expected.sort());
    const schemas = doc.components?.schemas ?? {};
    for (const name of ['Error', 'RunStatus', 'GateStatus', 'StepStatus', 'PhasePlan', 'ProgramPlan', 'ClaimResult'])
      assert.ok(schemas[name], `component ${name}`);
    const decide = (
      paths['/api/runs/{runId}/decisions'] as Record<
        string,
        { responses: Record<string, unknown>; requestBody?: unknown }
      >
    ).post;
    assert.deepEqual(Object.keys(decide?.responses ?? {}).sort(), [
      '200',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '500',
    ]);
    assert.ok(decide?.requestBody);
  });
});
