/**
 * Workflows of the agent-design experiment (bench/experiments/agent-designs.ts), not product code.
 * - `leaseIndexWorkflow` (design a): one open agent task kept in the memo and in the `AgentIndex`
 *   search attribute (`claimable:<agent>` while unclaimed); a `claimNext` Update leases it.
 * - `activityTaskWorkflow` (design b): the agent attempt is an activity on the per-agent task queue
 *   `agent-<name>`, which the experiment polls with `PollActivityTaskQueue`.
 */
import {
  condition,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  ApplicationFailure,
} from '@temporalio/workflow';
import { AgentIndex } from '../../../workflows/search-attributes';

/** Lease answer of the experiment's claim. */
export interface ExpLease {
  leaseId: string;
  runId: string;
  stepId: string;
}

/** Claim the open task of `agent` in this run. */
export const expClaimNext = defineUpdate<ExpLease, [{ agent: string }]>('expClaimNext');

/** Design (a): one open task, indexed in memo + search attribute. */
export async function leaseIndexWorkflow(agent: string): Promise<void> {
  let leaseId: string | null = null;
  const index = (): void => {
    upsertSearchAttributes([{ key: AgentIndex, value: leaseId ? [`lease:${leaseId}`] : [`claimable:${agent}`] }]);
    upsertMemo({
      agentTasks: [
        { stepId: 'work', agent, attempt: 1, claimedBy: leaseId ? 'x' : null, openedAt: new Date().toISOString() },
      ],
    });
  };
  index();
  setHandler(
    expClaimNext,
    (req) => {
      if (leaseId || req.agent !== agent)
        throw ApplicationFailure.create({ type: 'Conflict', message: 'nothing claimable', nonRetryable: true });
      leaseId = uuid4();
      index();
      return { leaseId, runId: workflowInfo().workflowId, stepId: 'work' };
    },
    {
      validator: (req) => {
        if (leaseId || req.agent !== agent)
          throw ApplicationFailure.create({ type: 'Conflict', message: 'nothing claimable', nonRetryable: true });
      },
    },
  );
  await condition(() => false, '1h');
}

/** Design (b): the agent attempt as an activity on `agent-<name>`. */
export async function activityTaskWorkflow(agent: string): Promise<void> {
  const acts = proxyActivities<{ agentAttempt(input: { stepId: string }): Promise<void> }>({
    taskQueue: `agent-${agent}`,
    startToCloseTimeout: '1h',
    heartbeatTimeout: '10m',
    retry: { maximumAttempts: 1 },
  });
  await acts.agentAttempt({ stepId: 'work' });
}
