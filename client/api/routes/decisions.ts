/** Go/no-go decisions on gates, and operator actions (retry, skip) on held tasks. */
import { actUpdate, decideUpdate, type Decision, type OperatorAction } from '../../../workflows/messages';
import { ApiError } from '../api-error';
import { defineRoute } from '../route';
import {
  DecisionBodySchema,
  ErrorSchema,
  GateStatusSchema,
  OperatorActionBodySchema,
  RunParamsSchema,
  StepParamsSchema,
  StepStatusSchema,
} from '../schemas';
import { updateRunOrPhase } from '../updates';

const error = (description: string) => ({ description, schema: ErrorSchema });

/** `POST /api/runs/:runId/decisions` */
export const decideRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/decisions',
  summary: 'Vote go or no-go on a gate',
  description:
    'With tokens configured, the approver is the token identity and `approver` in the body is refused. ' +
    'Without tokens (local use), `approver` is required. The run validates the vote at once (Temporal Update). ' +
    "On a program run, the vote goes to the program's running phase (`<program>--<phase>`), where its gates live.",
  tags: ['decisions'],
  access: ['approver'],
  params: RunParamsSchema,
  body: { schema: DecisionBodySchema, required: true },
  responses: {
    200: { description: "the vote counted; the gate's new state", schema: GateStatusSchema },
    400: error('invalid body, or the run rejected the vote as invalid'),
    403: error('not an approver of this gate (or the token lacks the approver role)'),
    404: error('no such run or gate'),
    409: error('the gate is not awaiting a decision, the approver already voted, or the run has ended'),
  },
  precheck({ body, principal }) {
    approverOf(body.approver, principal);
  },
  async handler({ params, body, principal, deps, req }) {
    const approver = approverOf(body.approver, principal);
    // MCP tool calls reach this route in-process under /mcp, or over HTTP from `phase mcp` with x-phasegate-via.
    const viaMcp = req.originalUrl.startsWith('/mcp') || req.get('x-phasegate-via') === 'mcp';
    const decision: Decision = {
      gate: body.gate,
      decision: body.decision,
      approver,
      ...(body.comment !== undefined ? { comment: body.comment } : {}),
      ...(viaMcp ? { via: 'mcp' as const } : {}),
    };
    const gate = await updateRunOrPhase(deps, params.runId, `gate "${body.gate}"`, (h) =>
      h.executeUpdate(decideUpdate, { args: [decision] }),
    );
    deps.logger.info({ runId: params.runId, gate: body.gate, decision: body.decision, approver }, 'decision recorded');
    return { status: 200, body: gate };
  },
});

function operatorRoute(action: 'retry' | 'skip') {
  return defineRoute({
    method: 'post',
    path: `/api/runs/:runId/steps/:stepId/${action}`,
    summary: action === 'retry' ? 'Retry a held task' : 'Skip a held task (its dependents go on)',
    tags: ['operator'],
    access: ['operator'],
    params: StepParamsSchema,
    body: { schema: OperatorActionBodySchema, required: false },
    responses: {
      200: { description: "the step's new state", schema: StepStatusSchema },
      400: error('invalid request'),
      404: error('no such run or step'),
      409: error('the task is not held, or the run has ended'),
    },
    async handler({ params, body, principal, deps }) {
      const request: OperatorAction = {
        step: params.stepId,
        action,
        ...(principal ? { operator: principal.identity } : {}),
        ...(body.comment !== undefined ? { comment: body.comment } : {}),
      };
      const step = await updateRunOrPhase(deps, params.runId, `step "${params.stepId}"`, (h) =>
        h.executeUpdate(actUpdate, { args: [request] }),
      );
      deps.logger.info({ runId: params.runId, step: params.stepId, action }, 'operator action');
      return { status: 200, body: step };
    },
  });
}

/** `POST /api/runs/:runId/steps/:stepId/retry` */
export const retryRoute = operatorRoute('retry');
/** `POST /api/runs/:runId/steps/:stepId/skip` */
export const skipRoute = operatorRoute('skip');

/**
 * The approver of a vote: the token identity with tokens, the body's `approver` without them.
 * Thrown (400, naming `approver`) when the body sets it with tokens, or lacks it without them.
 */
function approverOf(bodyApprover: string | undefined, principal: { identity: string } | undefined): string {
  if (principal) {
    if (bodyApprover !== undefined) {
      throw new ApiError(400, 'approver cannot be set in the body: it is the identity of your token', [
        { path: 'approver', message: 'not allowed when authenticated' },
      ]);
    }
    return principal.identity;
  }
  if (bodyApprover === undefined) {
    throw new ApiError(400, 'approver is required (the server runs without tokens, so it cannot tell who you are)', [
      { path: 'approver', message: 'required' },
    ]);
  }
  return bodyApprover;
}
