/**
 * The external agent protocol: list open `agent` tasks, claim one, heartbeat, complete or fail it.
 * With tokens configured, an agent token acts only for the agent named like its identity (or those
 * listed in its `agents`), so the step's agent is looked up before anything is sent to the run.
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
import type { RunStatus } from '../../../workflows/status';
import { ApiError } from '../api-error';
import { requireAgent, type Principal } from '../auth';
import { withDeadline, type AppDeps } from '../deps';
import { defineRoute } from '../route';
import {
  AgentParamsSchema,
  AgentTaskListSchema,
  ClaimBodySchema,
  ClaimResultSchema,
  CompleteBodySchema,
  ErrorSchema,
  FailBodySchema,
  HeartbeatBodySchema,
  StepParamsSchema,
  StepStatusSchema,
  type AgentTask,
} from '../schemas';
import { updateRun } from '../updates';
import { runsWithAgentTasks } from '../visibility';

const error = (description: string) => ({ description, schema: ErrorSchema });

/** Open agent tasks of one run for `agent`. */
export function openAgentTasks(status: RunStatus, agent: string): AgentTask[] {
  return status.steps
    .filter((s) => s.agentTask && s.agent === agent && s.state === 'running')
    .map((s) => ({
      runId: status.runId,
      stepId: s.id,
      title: s.title ?? null,
      agent,
      attempt: s.agentTask?.attempt ?? s.attempts,
      claimedBy: s.agentTask?.claimedBy ?? null,
      ...(s.agentTask?.instructions ? { instructions: s.agentTask.instructions } : {}),
    }));
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

/** `GET /api/agents/:agent/tasks` */
export const agentTasksRoute = defineRoute({
  method: 'get',
  path: '/api/agents/:agent/tasks',
  summary: 'Open agent tasks for that agent, across runs',
  tags: ['agents'],
  access: 'any',
  params: AgentParamsSchema,
  responses: {
    200: { description: 'open tasks, claimed or not', schema: AgentTaskListSchema },
    403: error('an agent token asking for another agent\'s tasks'),
  },
  async handler({ params, principal, deps }) {
    // Operators and approvers may look at any agent's queue; agent-only tokens at their own.
    if (principal && !principal.roles.has('operator') && !principal.roles.has('approver')) requireAgent(principal, params.agent);
    const runIds = await runsWithAgentTasks(deps, params.agent);
    const perRun = await mapLimit(runIds, 8, async (runId) => {
      try {
        const status = await withDeadline(deps, () => deps.client.workflow.getHandle(runId).query(statusQuery), Math.min(deps.rpcTimeoutMs, 5_000));
        return openAgentTasks(status, params.agent);
      } catch (err) {
        // Visibility lags behind: a run that just ended or does not answer is left out, not an error.
        deps.logger.debug({ runId, err }, 'skipping run in agent task list');
        return [];
      }
    });
    return { status: 200, body: perRun.flat() };
  },
});

/** Step → agent name, per run; a step's agent never changes within a run. Bounded. */
const stepAgents = new Map<string, string | null>();
const STEP_AGENT_CACHE_SIZE = 2000;

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

/**
 * Checks the caller may act on the step and works out the claimant: the body's, else the token
 * identity, else (auth off) the step's agent name.
 */
async function claimantFor(deps: AppDeps, principal: Principal | undefined, runId: string, stepId: string, bodyClaimant: string | undefined): Promise<string> {
  if (!principal && bodyClaimant) return bodyClaimant;
  const agent = await agentOfStep(deps, runId, stepId);
  if (principal && agent !== null) requireAgent(principal, agent);
  return bodyClaimant ?? principal?.identity ?? agent ?? 'anonymous';
}

const protocolResponses = (ok: string, schema: typeof ClaimResultSchema | typeof StepStatusSchema) => ({
  200: { description: ok, schema },
  400: error('invalid body, or rejected by the run as invalid'),
  403: error('the token may not act for this step\'s agent'),
  404: error('no such run, step or open attempt'),
  409: error('claimed by someone else, stale attempt, or the run has ended'),
});

/** `POST /api/runs/:runId/steps/:stepId/claim` */
export const claimRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/steps/:stepId/claim',
  summary: 'Claim the open attempt of an agent task',
  tags: ['agents'],
  access: ['agent'],
  params: StepParamsSchema,
  body: { schema: ClaimBodySchema, required: false },
  responses: protocolResponses('claimed (repeat claims by the same claimant are idempotent)', ClaimResultSchema),
  async handler({ params, body, principal, deps }) {
    const claimant = await claimantFor(deps, principal, params.runId, params.stepId, body.claimant);
    const request: ClaimRequest = { step: params.stepId, claimant };
    const result = await updateRun(deps, params.runId, (h) => h.executeUpdate(claimUpdate, { args: [request] }));
    return { status: 200, body: result };
  },
});

/** `POST /api/runs/:runId/steps/:stepId/heartbeat` */
export const heartbeatRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/steps/:stepId/heartbeat',
  summary: 'Keep a claimed attempt alive',
  tags: ['agents'],
  access: ['agent'],
  params: StepParamsSchema,
  body: { schema: HeartbeatBodySchema, required: true },
  responses: protocolResponses('the step\'s state', StepStatusSchema),
  async handler({ params, body, principal, deps }) {
    const claimant = await claimantFor(deps, principal, params.runId, params.stepId, body.claimant);
    const request: AgentHeartbeat = { step: params.stepId, attempt: body.attempt, claimant, ...(body.progress !== undefined ? { progress: body.progress } : {}) };
    const step = await updateRun(deps, params.runId, (h) => h.executeUpdate(agentHeartbeatUpdate, { args: [request] }));
    return { status: 200, body: step };
  },
});

/** `POST /api/runs/:runId/steps/:stepId/complete` */
export const completeRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/steps/:stepId/complete',
  summary: 'Complete a claimed attempt with metrics and a summary',
  tags: ['agents'],
  access: ['agent'],
  params: StepParamsSchema,
  body: { schema: CompleteBodySchema, required: true },
  responses: protocolResponses('the step\'s new state', StepStatusSchema),
  async handler({ params, body, principal, deps }) {
    const claimant = await claimantFor(deps, principal, params.runId, params.stepId, body.claimant);
    const request: AgentCompletion = {
      step: params.stepId,
      attempt: body.attempt,
      claimant,
      ...(body.metrics !== undefined ? { metrics: body.metrics } : {}),
      ...(body.summary !== undefined ? { summary: body.summary } : {}),
    };
    const step = await updateRun(deps, params.runId, (h) => h.executeUpdate(completeUpdate, { args: [request] }));
    deps.logger.info({ runId: params.runId, step: params.stepId, attempt: body.attempt, claimant }, 'agent task completed');
    return { status: 200, body: step };
  },
});

/** `POST /api/runs/:runId/steps/:stepId/fail` */
export const failRoute = defineRoute({
  method: 'post',
  path: '/api/runs/:runId/steps/:stepId/fail',
  summary: 'Fail a claimed attempt (retryable unless retryable: false)',
  tags: ['agents'],
  access: ['agent'],
  params: StepParamsSchema,
  body: { schema: FailBodySchema, required: true },
  responses: protocolResponses('the step\'s new state', StepStatusSchema),
  async handler({ params, body, principal, deps }) {
    const claimant = await claimantFor(deps, principal, params.runId, params.stepId, body.claimant);
    const request: AgentFailure = {
      step: params.stepId,
      attempt: body.attempt,
      claimant,
      reason: body.reason,
      ...(body.retryable !== undefined ? { retryable: body.retryable } : {}),
    };
    const step = await updateRun(deps, params.runId, (h) => h.executeUpdate(failUpdate, { args: [request] }));
    deps.logger.info({ runId: params.runId, step: params.stepId, attempt: body.attempt, claimant }, 'agent task failed');
    return { status: 200, body: step };
  },
});
