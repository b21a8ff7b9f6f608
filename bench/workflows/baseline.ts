/**
 * The hand-written baseline for the engine-overhead benchmark: what a Temporal user would write
 * without Phasegate to run the same DAG. Each node waits for its needs (`Promise.all`), then calls
 * the same `simulateTask` activity with the same input and the same activity options the engine
 * uses (one attempt, same timeout, same cancellation type), so the only difference measured is
 * the engine itself: status bookkeeping, scheduling loop, search attributes, current details.
 */
import {
  ActivityCancellationType,
  condition,
  defineSignal,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { TaskInput } from '../../activities/types';

/** One node of the DAG: an id and the ids it waits for (listed before it). */
export interface BaselineNode {
  id: string;
  needs: string[];
}

/** Input of {@link baselineDagWorkflow}. */
export interface BaselineInput {
  nodes: BaselineNode[];
}

// Same options phaseWorkflow gives a task with the default 1h timeout and no heartbeat.
const { simulateTask } = proxyActivities<Activities>({
  startToCloseTimeout: '1h',
  retry: { maximumAttempts: 1 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Runs every node once its needs are done; returns how many nodes ran. */
export async function baselineDagWorkflow(input: BaselineInput): Promise<number> {
  const runId = workflowInfo().workflowId;
  const done = new Map<string, Promise<void>>();
  for (const node of input.nodes) {
    const needs = node.needs.map((n) => done.get(n) as Promise<void>);
    const task: TaskInput = {
      runId,
      stepId: node.id,
      attempt: 1,
      purpose: 'run',
      executor: { kind: 'simulate' },
      metricRules: {},
    };
    done.set(
      node.id,
      Promise.all(needs).then(async () => {
        await simulateTask(task);
      }),
    );
  }
  await Promise.all(done.values());
  return done.size;
}

/** The approval a parked baseline run waits for. */
export const baselineGoSignal = defineSignal('go');

/**
 * The baseline of a run parked at a gate: one `simulateTask`, then wait for a `go` signal (what a
 * Temporal user would write for "prep, then wait for approval"). Its worker memory is what bare
 * Temporal costs per waiting run.
 */
export async function baselineParkedWorkflow(): Promise<string> {
  const runId = workflowInfo().workflowId;
  await simulateTask({
    runId,
    stepId: 'prep',
    attempt: 1,
    purpose: 'run',
    executor: { kind: 'simulate' },
    metricRules: {},
  });
  let go = false;
  setHandler(baselineGoSignal, () => void (go = true));
  await condition(() => go);
  return 'go';
}
