/**
 * `POST /api/runs/batch`: many starts in one request. Temporal has no batch start, so each run is
 * still one `workflow.start`, but the HTTP hop, auth, rate limit and body parsing are paid once
 * for the batch instead of once per run (the API hop's CPU per start: bench/ANALYSIS.md).
 */
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { errorBody, issuesToProblems, reroot, summarize, toApiError } from '../errors';
import { defineRoute } from '../route';
import { startOneRun } from '../run-start';
import {
  ErrorSchema,
  MAX_BATCH_RUNS,
  StartRunBatchBodyDocSchema,
  StartRunBatchBodySchema,
  StartRunBatchResponseSchema,
  StartRunBodySchema,
  type BatchResult,
  type Problem,
  type StartRunBatchResponse,
  type StartRunBody,
} from '../schemas';

/**
 * Most starts of one batch in flight at once. Each also takes one of the API's RPC slots
 * (`withDeadline`), so a batch of 100 cannot crowd the slots out from under other requests.
 */
export const BATCH_START_CONCURRENCY = 10;

/** An item after the checks that need no Temporal call: a body to start, or its result already. */
type Checked = { body: StartRunBody } | { failure: BatchResult };

/** A 400 result, its message worded as the single route words an invalid body. */
function invalid(details: Problem[]): BatchResult {
  return { status: 400, error: summarize(details, 'invalid request body'), details };
}

/**
 * Parses each item as a start body and refuses a run id an earlier item of the batch already
 * asks for, before anything starts: which of the two would win is otherwise a race in Temporal.
 */
function checkItems(runs: readonly unknown[]): Checked[] {
  const firstWithRunId = new Map<string, number>();
  return runs.map((raw, i) => {
    const parsed = StartRunBodySchema.safeParse(raw);
    if (!parsed.success) return { failure: invalid(issuesToProblems(parsed.error.issues, ['runs', i])) };
    const runId = parsed.data.runId;
    if (runId !== undefined) {
      const earlier = firstWithRunId.get(runId);
      if (earlier !== undefined)
        return { failure: invalid([{ path: `runs[${i}].runId`, message: `same as runs[${earlier}].runId` }]) };
      firstWithRunId.set(runId, i);
    }
    return { body: parsed.data };
  });
}

/** The result of an item whose start threw: its error envelope and status, or a generic 500 for a bug. */
function failureOf(deps: AppDeps, err: unknown, index: number): BatchResult {
  const apiError = toApiError(err);
  if (!apiError) {
    // As the error middleware does for a whole request: the detail goes to the log, never to the client.
    deps.logger.error({ err, item: index }, 'unexpected error starting a run of a batch');
    return { status: 500, error: 'internal error: the server failed to start this run (see the server log)' };
  }
  if (apiError.status >= 500) deps.logger.warn({ err, item: index }, apiError.message);
  const body = errorBody(apiError);
  return {
    status: apiError.status,
    ...body,
    ...(apiError.details ? { details: reroot(`runs[${index}]`, apiError.details) } : {}),
  };
}

/** Starts one checked item, adding its plan id to `startedPlans`; never throws (a failure is the item's result). */
async function startItem(
  deps: AppDeps,
  principal: Principal | undefined,
  item: Checked,
  i: number,
  startedPlans: string[],
) {
  if ('failure' in item) return item.failure;
  try {
    const started = await startOneRun(deps, principal, item.body);
    startedPlans.push(started.planId);
    return { status: 201 as const, ...started.response };
  } catch (err) {
    return failureOf(deps, err, i);
  }
}

/** `fn` over `items` with at most `limit` calls in flight; the results in the items' order. */
async function mapInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

const error = (description: string) => ({ description, schema: ErrorSchema });

/** `POST /api/runs/batch` */
export const startRunBatchRoute = defineRoute({
  method: 'post',
  path: '/api/runs/batch',
  summary: `Start up to ${MAX_BATCH_RUNS} runs in one request, each as POST /api/runs would`,
  description:
    `Each item of runs is a POST /api/runs body and is started exactly as that route starts one (same checks, ` +
    `roles, errors), at most ${BATCH_START_CONCURRENCY} at a time. The answer is 200 with one result per item in ` +
    'request order, a started run or the error that item got, so one bad item does not fail the others; a run ' +
    'id repeated within the batch is refused (400) before anything starts. The whole request counts as one ' +
    'request toward PHASEGATE_RATE_LIMIT.',
  tags: ['runs'],
  access: ['operator', 'author'],
  body: { schema: StartRunBatchBodySchema, docSchema: StartRunBatchBodyDocSchema, required: true },
  responses: {
    200: { description: 'one result per item, in order, and the counts', schema: StartRunBatchResponseSchema },
    400: error(`the body is not {runs: [...]} with 1 to ${MAX_BATCH_RUNS} items (item problems are results)`),
    403: error('the token has neither the operator nor the author role'),
  },
  async handler({ body, deps, res, principal }) {
    const checked = checkItems(body.runs);
    const startedPlans: string[] = [];
    const results = await mapInOrder(checked, BATCH_START_CONCURRENCY, (item, i) =>
      startItem(deps, principal, item, i, startedPlans),
    );
    res.locals.startedPlans = startedPlans; // counted by the metrics (phasegate_runs_started_total)
    const started = results.filter((r) => r.status === 201).length;
    const failed = results.length - started;
    res.locals.logFields = { started, failed }; // on the request's own line, as a single start's plan is
    const out: StartRunBatchResponse = { results, started, failed };
    return { status: 200, body: out };
  },
});
