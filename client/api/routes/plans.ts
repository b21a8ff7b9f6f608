/** Bundled plans and plan validation. */
import type { Plan } from '../../../workflows/plan/schema';
import { stepNeeds } from '../../../workflows/plan/resolve';
import { validatePlan, type PlanError } from '../../../workflows/plan/validate';
import { parsePlanText } from '../../plans';
import { ApiError } from '../api-error';
import { summarize } from '../errors';
import { assertDepth } from '../guard';
import { defineRoute } from '../route';
import {
  ErrorSchema,
  PlanListSchema,
  ValidatePlanBodyDocSchema,
  ValidatePlanBodySchema,
  ValidatePlanFailedSchema,
  ValidatePlanOkSchema,
  type PlanSummary,
  type ValidatePlanFailed,
  type ValidatePlanOk,
} from '../schemas';

/** The summary of a plan shown by `GET /api/plans`. */
export function summarizePlan(plan: Plan): PlanSummary {
  if (plan.kind === 'program') {
    return {
      id: plan.id,
      title: plan.title ?? plan.id,
      kind: 'program',
      ...(plan.description ? { description: plan.description } : {}),
      steps: [],
      phases: plan.phases.map((p) => (typeof p === 'string' ? p : p.id)),
    };
  }
  return {
    id: plan.id,
    title: plan.title ?? plan.id,
    kind: 'phase',
    ...(plan.description ? { description: plan.description } : {}),
    steps: plan.steps.map((s) => ({
      id: s.id,
      ...(s.title ? { title: s.title } : {}),
      ...(s.agent ? { agent: s.agent } : {}),
      type: s.gate ? ('gate' as const) : ('task' as const),
      ...(s.run ? { executor: s.run.kind } : {}),
      needs: stepNeeds(s),
    })),
  };
}

/** `GET /api/plans` */
export const listPlansRoute = defineRoute({
  method: 'get',
  path: '/api/plans',
  summary: 'Bundled plans: id, title, kind, steps',
  tags: ['plans'],
  access: 'any',
  responses: { 200: { description: 'the valid plans of the plans folder, by id', schema: PlanListSchema } },
  async handler({ deps }) {
    const catalog = await deps.catalog();
    const plans = [...catalog.plans.values()].sort((a, b) => a.id.localeCompare(b.id)).map(summarizePlan);
    return { status: 200, body: plans };
  },
});

function invalid(errors: PlanError[]): ApiError {
  const body: Omit<ValidatePlanFailed, 'error' | 'details'> = { ok: false, errors };
  return new ApiError(400, summarize(errors, 'invalid plan'), errors, body);
}

function isYamlWrapper(body: object): body is { yaml: string } {
  return Object.keys(body).length === 1 && typeof (body as { yaml?: unknown }).yaml === 'string';
}

/** `POST /api/plans/validate` */
export const validatePlanRoute = defineRoute({
  method: 'post',
  path: '/api/plans/validate',
  summary: 'Validate a plan',
  description:
    'Send the plan as a JSON object (Content-Type: application/json), as `{"yaml": "<text>"}`, or as raw YAML/JSON text ' +
    "(Content-Type: application/yaml or text/plain). A program's phase ids are checked against the bundled plans.",
  tags: ['plans'],
  access: 'any',
  body: { schema: ValidatePlanBodySchema, docSchema: ValidatePlanBodyDocSchema, required: true, acceptsText: true },
  responses: {
    200: { description: 'the plan is valid; the parsed plan is returned', schema: ValidatePlanOkSchema },
    400: { description: 'the plan is invalid: every problem with its path', schema: ValidatePlanFailedSchema },
    413: { description: 'body too large', schema: ErrorSchema },
    415: { description: 'unsupported content type', schema: ErrorSchema },
  },
  async handler({ body, deps }) {
    let value: unknown = body;
    const text = typeof body === 'string' ? body : isYamlWrapper(body) ? body.yaml : undefined;
    if (text !== undefined) {
      const parsed = parsePlanText(text);
      if (!parsed.ok) throw invalid(parsed.errors);
      value = parsed.value;
      assertDepth(value, 'plan'); // the JSON parser's depth limit does not see YAML text
    }
    const catalog = await deps.catalog();
    const result = validatePlan(value, new Set(catalog.plans.keys()));
    if (!result.ok) throw invalid(result.errors);
    const ok: ValidatePlanOk = { ok: true, plan: result.plan };
    return { status: 200, body: ok };
  },
});
