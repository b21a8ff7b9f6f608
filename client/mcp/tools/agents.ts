/** The agent loop: `next_task` (a lease, long-polling), `heartbeat_task`, `complete_task`, `fail_task`. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StepStatus } from '../../../workflows/status';
import type { PhasegateBackend } from '../backend';
import { TOOL_TEXT } from '../descriptions';
import { guarded, toolResult, without } from '../results';
import { CompleteInputSchema, FailInputSchema, HeartbeatInputSchema, NextTaskInputSchema } from '../schemas';

/** The fields of a lease the summary line uses (the whole lease is the structured answer). */
interface LeaseView {
  leaseId?: string;
  runId?: string;
  stepId?: string;
  attempt?: number;
  title?: string;
  heartbeatTimeout?: unknown;
}

/** One line describing a lease and what to do next. */
export function leaseSummary(lease: LeaseView): string {
  const beat =
    lease.heartbeatTimeout !== undefined
      ? `; heartbeat_task at about a third of heartbeatTimeout (${String(lease.heartbeatTimeout)})`
      : '';
  return `leased ${lease.stepId} of run ${lease.runId} (attempt ${lease.attempt}, leaseId ${lease.leaseId})${lease.title ? `: ${lease.title}` : ''}${beat}; finish with complete_task or fail_task`;
}

function stepLine(step: StepStatus): string {
  return `step ${step.id}: ${step.state}${step.error ? ` (${step.error})` : ''}`;
}

/** The step after a completion or failure: the run may apply the report just after answering, so "running" says so. */
function settling(step: StepStatus): string {
  return step.state === 'running'
    ? `step ${step.id}: the run applies it next (get_run shows the result)`
    : stepLine(step);
}

const STEP_KEYS = ['runId', 'stepId'] as const;

/** Registers the agent tools. */
export function registerAgentTools(server: McpServer, backend: PhasegateBackend): void {
  server.registerTool('next_task', { ...TOOL_TEXT.next_task, inputSchema: NextTaskInputSchema }, (args) =>
    guarded(async () => {
      const answer = await backend.call('claimNext', { params: { agent: args.agent }, body: without(args, ['agent']) });
      if (answer.status === 204 || answer.body === undefined || answer.body === null) {
        return toolResult(
          { task: null },
          `no open task for agent "${args.agent}"${args.wait ? ` within ${args.wait}` : ''}: call next_task again later (send wait, e.g. "30s", to wait for one)`,
        );
      }
      const lease = answer.body as LeaseView & Record<string, unknown>;
      return toolResult(lease, leaseSummary(lease));
    }),
  );

  server.registerTool('heartbeat_task', { ...TOOL_TEXT.heartbeat_task, inputSchema: HeartbeatInputSchema }, (args) =>
    guarded(async () => {
      const step = (
        await backend.call('heartbeat', {
          params: { runId: args.runId, stepId: args.stepId },
          body: without(args, STEP_KEYS),
        })
      ).body as StepStatus;
      return toolResult(step as unknown as Record<string, unknown>, `heartbeat recorded; ${stepLine(step)}`);
    }),
  );

  server.registerTool('complete_task', { ...TOOL_TEXT.complete_task, inputSchema: CompleteInputSchema }, (args) =>
    guarded(async () => {
      const step = (
        await backend.call('complete', {
          params: { runId: args.runId, stepId: args.stepId },
          body: without(args, STEP_KEYS),
        })
      ).body as StepStatus;
      return toolResult(step as unknown as Record<string, unknown>, `completion accepted; ${settling(step)}`);
    }),
  );

  server.registerTool('fail_task', { ...TOOL_TEXT.fail_task, inputSchema: FailInputSchema }, (args) =>
    guarded(async () => {
      const step = (
        await backend.call('fail', {
          params: { runId: args.runId, stepId: args.stepId },
          body: without(args, STEP_KEYS),
        })
      ).body as StepStatus;
      return toolResult(step as unknown as Record<string, unknown>, `failure accepted; ${settling(step)}`);
    }),
  );
}
