/**
 * `simulate` executor: waits `duration`, fails the first `failAttempts` attempts, returns fixed
 * `metrics`. Heartbeats while waiting so cancellation reaches it promptly.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { parseDuration } from '../workflows/plan/duration';
import { requireExecutorEnabled } from './policy';
import type { TaskInput, TaskResult } from './types';

/** Runs one simulated attempt. Fails retryably with type `SimulatedFailure` while `attempt <= failAttempts`. */
export async function simulateTask(input: TaskInput): Promise<TaskResult> {
  if (input.executor.kind !== 'simulate')
    throw ApplicationFailure.nonRetryable(`simulateTask got a ${input.executor.kind} executor`, 'BadExecutor');
  requireExecutorEnabled('simulate');
  const started = Date.now();
  const ctx = Context.current();
  const total = parseDuration(input.executor.duration ?? '0s');
  while (Date.now() - started < total) {
    ctx.heartbeat({ elapsedMs: Date.now() - started });
    await ctx.sleep(Math.min(500, total - (Date.now() - started)));
  }
  if (input.attempt <= (input.executor.failAttempts ?? 0)) {
    throw ApplicationFailure.retryable(
      `simulated failure of attempt ${input.attempt} (failAttempts: ${input.executor.failAttempts})`,
      'SimulatedFailure',
    );
  }
  return {
    metrics: { ...(input.executor.metrics ?? {}) },
    summary: `simulated ${input.purpose} of ${input.stepId}`,
    durationMs: Date.now() - started,
  };
}
