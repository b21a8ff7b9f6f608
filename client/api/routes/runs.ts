/** Starting, listing, reading and cancelling runs. */
import { ApiError } from '../api-error';
import { withDeadline } from '../deps';
import { defineRoute } from '../route';
import { startOneRun } from '../run-start';
import {
  CancelBodySchema,
  CancelResponseSchema,
  ErrorSchema,
  ListRunsQuerySchema,
  RunListSchema,
  RunParamsSchema,
  RunStatusSchema,
  StartRunBodyDocSchema,
  StartRunBodySchema,
  StartRunResponseSchema,
  type CancelResponse,
} from '../schemas';
import { statusCacheOf } from '../status-cache';
import { pageKey, pageRequest, readStatusPage, RunStatusQuerySchema } from '../status-pages';
import { listRuns } from '../visibility';

/** Re-exported from `run-start.ts`, where starting a run lives, for the routes and tests that import it from here. */
export { underPlan } from '../run-start';

const error = (description: string) => ({ description, schema: ErrorSchema });

/** `POST /api/runs` */
export const startRunRoute = defineRoute({
  method: 'post',
  path: '/api/runs',
  summary: 'Start a run of a bundled plan (by id) or of a plan object',
  description: "A program's phase ids are resolved to bundled phase plans before the run starts.",
  tags: ['runs'],
  access: ['operator', 'author'],
  body: { schema: StartRunBodySchema, docSchema: StartRunBodyDocSchema, required: true },
  responses: {
    201: { description: 'started', schema: StartRunResponseSchema },
    400: error('invalid body or plan; details name each path, e.g. plan.steps[1].needs[0]'),
    403: error('an inline plan without the author role (PHASEGATE_INLINE_PLANS), or inline plans are off'),
    404: error('unknown plan id (or a program phase id that is not bundled)'),
    409: error('the run id is taken'),
  },
  async handler({ body, deps, res, principal }) {
    const started = await startOneRun(deps, principal, body);
    res.locals.runId = started.response.runId;
    res.locals.logFields = { plan: started.planId }; // on the request's own line: one line per start
    res.locals.startedPlans = [started.planId]; // counted by the metrics (phasegate_runs_started_total)
    return { status: 201, body: started.response };
  },
});

/** `GET /api/runs` */
export const listRunsRoute = defineRoute({
  method: 'get',
  path: '/api/runs',
  summary: 'List runs (Temporal visibility), newest first',
  tags: ['runs'],
  access: 'any',
  query: ListRunsQuerySchema,
  responses: { 200: { description: 'a page of runs', schema: RunListSchema }, 400: error('invalid filter') },
  async handler({ query, deps }) {
    const page = await listRuns(
      deps,
      {
        ...(query.state ? { state: query.state } : {}),
        ...(query.plan ? { plan: query.plan } : {}),
        ...(query.awaitingApproval !== undefined ? { awaitingApproval: query.awaitingApproval } : {}),
        ...(query.source ? { source: query.source } : {}),
      },
      query.pageSize ?? 50,
      query.nextPageToken,
    );
    return { status: 200, body: page };
  },
});

/** `GET /api/runs/:runId` */
export const getRunRoute = defineRoute({
  method: 'get',
  path: '/api/runs/:runId',
  summary: "A run's status (the workflow's status query)",
  tags: ['runs'],
  access: 'any',
  params: RunParamsSchema,
  query: RunStatusQuerySchema,
  responses: {
    200: {
      description:
        'the run status (a run of more than 500 steps: its first page of steps, see stepsPage); statusAgeMs and the Age header say how old it is (≤ 250 ms)',
      schema: RunStatusSchema,
    },
    400: error('invalid run id'),
    404: error('no such run'),
    503: error('no worker answered the query in time'),
  },
  async handler({ params, query, deps, res }) {
    // A program's running phase shows its live state (awaiting-approval, held …), read from that child.
    // Concurrent readers of one run share one query, and an answer is reused for up to 250 ms
    // (status-cache.ts): a burst of pollers costs the worker one answer. Big runs come in pages of steps.
    const page = pageRequest(query);
    const read = await statusCacheOf(deps).read(pageKey(params.runId, page), () =>
      withDeadline(deps, () => readStatusPage(deps.client, params.runId, page)),
    );
    res.set('Age', String(Math.floor(read.ageMs / 1000)));
    return { status: 200, body: { ...(read.value as object), statusAgeMs: read.ageMs } };
  },
});

/** `POST /api/runs/:runId/cancel` */
export const cancelRunRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/cancel',
  summary: 'Cancel a run: it rolls back, outcome cancelled',
  tags: ['runs'],
  access: ['operator'],
  params: RunParamsSchema,
  body: { schema: CancelBodySchema, required: false },
  responses: {
    202: { description: 'cancellation requested', schema: CancelResponseSchema },
    404: error('no such run'),
    409: error('the run has already ended'),
  },
  async handler({ params, deps }) {
    const handle = deps.client.workflow.getHandle(params.runId);
    const described = await withDeadline(deps, () => handle.describe());
    if (described.status.name !== 'RUNNING')
      throw new ApiError(409, `run "${params.runId}" has already ended (${described.status.name.toLowerCase()})`);
    await withDeadline(deps, () => handle.cancel());
    statusCacheOf(deps).invalidate(params.runId); // the canceller reads the change at once
    deps.logger.info({ runId: params.runId }, 'run cancel requested');
    const out: CancelResponse = { runId: params.runId, cancelRequested: true };
    return { status: 202, body: out };
  },
});
