/**
 * The external agent protocol (SPEC §5): list open `agent` tasks, lease the next one or a listed
 * one, heartbeat, complete or fail it quoting the lease. With tokens configured, the lease holder
 * is the token's identity (a body `claimant`/`label` only labels it) and an agent token acts only
 * for the agents it is allowed; a task without an `agent:` name needs a token allowed every agent.
 */
import {
  agentHeartbeatUpdate,
  claimUpdate,
  completeUpdate,
  failUpdate,
  statusQuery,
  type AgentCompletion,
  type AgentFailure,
  type AgentHeartbeat,
  type ClaimRequest,
} from '../../../workflows/messages';
import { claimNext, listAgentTasks } from '../agent-index';
import { ApiError } from '../api-error';
import { requireAgent, type Principal } from '../auth';
import { withDeadline, type AppDeps } from '../deps';
import { defineRoute } from '../route';
import {
  AgentParamsSchema,
  AgentTaskListSchema,
  AgentTasksQuerySchema,
  ClaimBodySchema,
  ClaimNextBodySchema,
  ClaimResultSchema,
  CompleteBodySchema,
  ErrorSchema,
  FailBodySchema,
  HeartbeatBodySchema,
  StepParamsSchema,
  StepStatusSchema,
} from '../schemas';
import { updateRun } from '../updates';

const error = (description: string) => ({ description, schema: ErrorSchema });

/** `GET /api/agents/:agent/tasks` */
export const agentTasksRoute = defineRoute({
  method: 'get',
  path: '/api/agents/:agent/tasks',
  summary: 'Open agent tasks for that agent, across runs, one page at a time',
  description:
    'Read from the runs\' memos: one visibility call per page. `X-Next-Page-Token` (and `Link: <…>; rel="next"`) is set when there are more runs; pass it back as `nextPageToken`.',
  tags: ['agents'],
  access: 'any',
  params: AgentParamsSchema,
  query: AgentTasksQuerySchema,
  responses: {
    200: { description: 'open tasks, leased or not', schema: AgentTaskListSchema },
    400: error('bad pageSize or nextPageToken'),
    403: error("an agent token asking for another agent's tasks"),
  },
  async handler({ params, query, principal, deps, res }) {
    // Operators and approvers may look at any agent's queue; agent-only tokens at their own.
    if (principal && !principal.roles.has('operator') && !principal.roles.has('approver'))
      requireAgent(principal, params.agent);
    const page = await listAgentTasks(deps, params.agent, query.pageSize ?? 100, query.nextPageToken);
    if (page.nextPageToken) {
      res.set('X-Next-Page-Token', page.nextPageToken);
      const qs = new URLSearchParams({
        ...(query.pageSize ? { pageSize: String(query.pageSize) } : {}),
        nextPageToken: page.nextPageToken,
      });
      res.set('Link', `</api/agents/${encodeURIComponent(params.agent)}/tasks?${qs.toString()}>; rel="next"`);
    }
    return { status: 200, body: page.tasks };
  },
});

/**
 * The identity a lease is held under: the token's, or without tokens the body's `claimant`, else
 * `fallback` (the agent name). With tokens a body `claimant` becomes the label when none is given.
 */
function holderOf(
  principal: Principal | undefined,
  body: { claimant?: string | undefined; label?: string | undefined },
  fallback: string,
): { claimant: string; label?: string } {
  const label = body.label ?? (principal ? body.claimant : undefined);
  const claimant = principal?.identity ?? body.claimant ?? fallback;
  return { claimant, ...(label !== undefined ? { label } : {}) };
}

/** `POST /api/agents/:agent/claim` */
export const claimNextRoute = defineRoute({
  method: 'post',
  path: '/api/agents/:agent/claim',
  summary: 'Lease the oldest open task of that agent (optionally in one run), waiting up to `wait`',
  description:
    'A visibility call finds runs with an unleased task of the agent; the run itself grants at most one lease per attempt. Repeating a claim with the same `leaseId` returns the same lease.',
  tags: ['agents'],
  access: ['agent'],
  params: AgentParamsSchema,
  body: { schema: ClaimNextBodySchema, required: false },
  responses: {
    200: { description: 'a lease', schema: ClaimResultSchema },
    204: { description: 'no task came within `wait`' },
    400: error('invalid body'),
    403: error('the token may not act for this agent'),
  },
  async handler({ params, body, principal, deps, res }) {
    requireAgent(principal, params.agent);
    const holder = holderOf(principal, body, params.agent);
    // The client went away: stop waiting (the request's own 'close' fires once its body is read).
    const aborted = new AbortController();
    const onClose = () => {
      if (!res.writableEnded) aborted.abort();
    };
    res.on?.('close', onClose);
    try {
      const request = { agent: params.agent, ...holder, ...(body.leaseId ? { leaseId: body.leaseId } : {}) };
      const lease = await claimNext(deps, request, body.wait ?? 0, body.runId, aborted.signal);
      if (!lease) return { status: 204, body: undefined };
      deps.logger.info(
        {
          runId: lease.runId,
          step: lease.stepId,
          attempt: lease.attempt,
          claimedBy: lease.claimedBy,
          leaseId: lease.leaseId,
        },
        'agent task leased',
      );
      return { status: 200, body: lease };
    } finally {
      res.off?.('close', onClose);
    }
  },
});

/** Step → agent name (null: the step names none), per run; a step's agent never changes within a run. Bounded. */
const stepAgents = new Map<string, string | null>();
const STEP_AGENT_CACHE_SIZE = 5000;

async function agentOfStep(deps: AppDeps, runId: string, stepId: string): Promise<string | null> {
  const key = `${deps.namespace}/${runId}/${stepId}`;
  const cached = stepAgents.get(key);
  if (cached !== undefined) return cached;
  const status = await withDeadline(deps, () => deps.client.workflow.getHandle(runId).query(statusQuery));
  const step = status.steps.find((s) => s.id === stepId);
  if (!step) {
    if (status.gates.some((g) => g.id === stepId)) throw new ApiError(409, `"${stepId}" is a gate, not an agent task`);
    throw new ApiError(404, `no step "${stepId}" in run "${runId}"`);
  }
  const agent = step.agent ?? null;
  if (stepAgents.size >= STEP_AGENT_CACHE_SIZE) stepAgents.delete(stepAgents.keys().next().value as string);
  stepAgents.set(key, agent);
  return agent;
}

/** Checks the caller may act on the step (tokens only: looked up once per step) and returns its agent name. */
async function authorizeStep(
  deps: AppDeps,
  principal: Principal | undefined,
  runId: string,
  stepId: string,
): Promise<void> {
  if (!principal) return;
  requireAgent(principal, await agentOfStep(deps, runId, stepId));
}

const protocolResponses = (ok: string, schema: typeof ClaimResultSchema | typeof StepStatusSchema) => ({
  200: { description: ok, schema },
  400: error('invalid body (e.g. a declared metric missing), or rejected by the run as invalid'),
  403: error("the token may not act for this step's agent, or does not hold the lease"),
  404: error('no such run or step'),
  409: error('leased by someone else, a lease that is no longer current, or the run has ended'),
});

/** `POST /api/runs/:runId/steps/:stepId/claim` */
export const claimRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/steps/:stepId/claim',
  summary: 'Lease the open attempt of one agent task',
  tags: ['agents'],
  access: ['agent'],
  params: StepParamsSchema,
  body: { schema: ClaimBodySchema, required: false },
  responses: protocolResponses(
    'a lease (a repeat with the same leaseId returns the same lease; any other claim of a leased task is 409)',
    ClaimResultSchema,
  ),
  async handler({ params, body, principal, deps }) {
    await authorizeStep(deps, principal, params.runId, params.stepId);
    const fallback = principal
      ? principal.identity
      : ((await agentOfStep(deps, params.runId, params.stepId)) ?? 'anonymous');
    const request: ClaimRequest = {
      step: params.stepId,
      ...holderOf(principal, body, fallback),
      ...(body.leaseId ? { leaseId: body.leaseId } : {}),
      ...(body.attempt !== undefined ? { attempt: body.attempt } : {}),
    };
    const lease = await updateRun(deps, params.runId, (h) => h.executeUpdate(claimUpdate, { args: [request] }));
    return { status: 200, body: lease };
  },
});

/** The lease fields of a report: the token identity must hold the lease; without tokens a given claimant must. */
function reportFields(
  principal: Principal | undefined,
  body: { leaseId: string; attempt?: number | undefined; claimant?: string | undefined },
) {
  const claimant = principal?.identity ?? body.claimant;
  return {
    leaseId: body.leaseId,
    ...(body.attempt !== undefined ? { attempt: body.attempt } : {}),
    ...(claimant !== undefined ? { claimant } : {}),
  };
}

/** `POST /api/runs/:runId/steps/:stepId/heartbeat` */
export const heartbeatRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/steps/:stepId/heartbeat',
  summary: 'Keep a lease alive',
  tags: ['agents'],
  access: ['agent'],
  params: StepParamsSchema,
  body: { schema: HeartbeatBodySchema, required: true },
  responses: protocolResponses("the step's state (agentTask.expiresAt: the lease's new expiry)", StepStatusSchema),
  async handler({ params, body, principal, deps }) {
    await authorizeStep(deps, principal, params.runId, params.stepId);
    const request: AgentHeartbeat = {
      step: params.stepId,
      ...reportFields(principal, body),
      ...(body.progress !== undefined ? { progress: body.progress } : {}),
    };
    const step = await updateRun(deps, params.runId, (h) => h.executeUpdate(agentHeartbeatUpdate, { args: [request] }));
    return { status: 200, body: step };
  },
});

/** `POST /api/runs/:runId/steps/:stepId/complete` */
export const completeRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/steps/:stepId/complete',
  summary: 'Complete a leased attempt with metrics and a summary (every metric the task declares as {} is required)',
  tags: ['agents'],
  access: ['agent'],
  params: StepParamsSchema,
  body: { schema: CompleteBodySchema, required: true },
  responses: protocolResponses("the step's new state", StepStatusSchema),
  async handler({ params, body, principal, deps }) {
    await authorizeStep(deps, principal, params.runId, params.stepId);
    const request: AgentCompletion = {
      step: params.stepId,
      ...reportFields(principal, body),
      ...(body.metrics !== undefined ? { metrics: body.metrics } : {}),
      ...(body.summary !== undefined ? { summary: body.summary } : {}),
    };
    const step = await updateRun(deps, params.runId, (h) => h.executeUpdate(completeUpdate, { args: [request] }));
    deps.logger.info({ runId: params.runId, step: params.stepId, leaseId: body.leaseId }, 'agent task completed');
    return { status: 200, body: step };
  },
});

/** `POST /api/runs/:runId/steps/:stepId/fail` */
export const failRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/steps/:stepId/fail',
  summary: 'Fail a leased attempt (retryable unless retryable: false)',
  tags: ['agents'],
  access: ['agent'],
  params: StepParamsSchema,
  body: { schema: FailBodySchema, required: true },
  responses: protocolResponses("the step's new state", StepStatusSchema),
  async handler({ params, body, principal, deps }) {
    await authorizeStep(deps, principal, params.runId, params.stepId);
    const request: AgentFailure = {
      step: params.stepId,
      ...reportFields(principal, body),
      reason: body.reason,
      ...(body.retryable !== undefined ? { retryable: body.retryable } : {}),
    };
    const step = await updateRun(deps, params.runId, (h) => h.executeUpdate(failUpdate, { args: [request] }));
    deps.logger.info({ runId: params.runId, step: params.stepId, leaseId: body.leaseId }, 'agent task failed');
    return { status: 200, body: step };
  },
});
