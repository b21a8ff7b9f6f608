/**
 * Starting one run from a start body (`{plan, runId?}`), shared by `POST /api/runs` and each item
 * of `POST /api/runs/batch`, so a run started in a batch is checked and started exactly as a run
 * started on its own: the same catalog look-up, role and executor checks, errors and run input.
 */
import type { Plan } from '../../workflows/plan/schema';
import { validatePlan, type PlanError } from '../../workflows/plan/validate';
import { resolvePlan } from '../plans';
import { startRun } from '../runs';
import { ApiError } from './api-error';
import type { Principal } from './auth';
import { withDeadline, type AppDeps } from './deps';
import { reroot, summarize } from './errors';
import { groupsForStart } from './run-groups';
import type { StartRunBody, StartRunResponse } from './schemas';
import { carriesInlineCode, requireExecutorsAllowed, requireInlineAllowed, runSource } from './start-policy';

/** Re-roots plan problem paths under the body's `plan` field: `steps[1]` → `plan.steps[1]`. */
export function underPlan(errors: readonly PlanError[]): PlanError[] {
  return reroot('plan', errors);
}

/** A run {@link startOneRun} started: the answer for the client, and the plan id for the request's log line. */
export interface StartedRun {
  response: StartRunResponse;
  /** The started plan's id (a bundled id, or an inline plan's own `id`). */
  planId: string;
}

/** The plan `body` names: a bundled plan from the catalog, or the inline plan object once it validates. */
function planOf(body: StartRunBody, plans: ReadonlyMap<string, Plan>): Plan {
  if (typeof body.plan === 'string') {
    const found = plans.get(body.plan);
    if (!found)
      throw new ApiError(404, `unknown plan "${body.plan}": see GET /api/plans`, [
        { path: 'plan', message: 'no bundled plan with this id' },
      ]);
    return found;
  }
  const validation = validatePlan(body.plan);
  if (!validation.ok) {
    const details = underPlan(validation.errors);
    throw new ApiError(400, summarize(details, 'invalid plan'), details);
  }
  return validation.plan;
}

/**
 * Starts one run of `body` for `principal` (the token's, or `undefined` without tokens), its
 * Temporal call in one of the API's RPC slots (`withDeadline`). Throws an {@link ApiError} for a
 * refused start (400 invalid plan, 403 inline plan without the role, 404 unknown plan id) and
 * what `startRun` throws (`RunIdTakenError`, Temporal errors) for `toApiError` to convert.
 */
export async function startOneRun(
  deps: AppDeps,
  principal: Principal | undefined,
  body: StartRunBody,
): Promise<StartedRun> {
  const catalog = await deps.catalog();
  // Plans are code: a plan that is not a bundled file needs the author role (SPEC §8).
  if (carriesInlineCode(body.plan)) requireInlineAllowed(deps, principal);
  const plan = planOf(body, catalog.plans);
  const resolved = resolvePlan(plan, catalog);
  if (!resolved.ok) {
    const details = underPlan(resolved.errors);
    throw new ApiError(
      resolved.unknownIds.length > 0 ? 404 : 400,
      summarize(details, 'cannot resolve the program'),
      details,
    );
  }
  requireExecutorsAllowed(deps, resolved.plan);
  const extras = {
    source: runSource(body.plan, resolved.plan),
    groups: groupsForStart(deps, resolved.plan),
    ...(principal ? { startedBy: principal.identity, signedSignals: true } : {}),
  };
  const handle = await withDeadline(deps, () =>
    startRun(deps.client, resolved.plan, {
      taskQueue: deps.taskQueue,
      ...extras,
      ...(body.runId ? { runId: body.runId } : {}),
    }),
  );
  return { response: { runId: handle.workflowId, uiUrl: deps.runUrl(handle.workflowId) }, planId: plan.id };
}
