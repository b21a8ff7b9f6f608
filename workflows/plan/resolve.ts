/**
 * Pure helpers that turn a validated plan into what the engine runs: dependencies, effective task
 * options with defaults merged, retry back-off. Imported by the workflow: no zod, no I/O.
 */
import type { PhasePlan, Retry, Step } from './schema';
import { parseDuration } from './duration';

/** Default retry when neither the task nor `defaults.retry` says otherwise. */
export const DEFAULT_RETRY = {
  maximumAttempts: 3,
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '5m',
} as const;
/** Default limit for one attempt of a task. */
export const DEFAULT_TASK_TIMEOUT = '1h';

/** Any step's dependencies: `needs` plus, for a gate, `gate.needs`. */
export function stepNeeds(step: Pick<Step, 'needs' | 'gate'>): string[] {
  return [...(step.needs ?? []), ...(step.gate?.needs ?? [])];
}

/** A task's options with plan defaults and built-in defaults applied. */
export interface EffectiveTask {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  timeoutMs: number;
  heartbeatMs: number | undefined;
  onFailure: 'fail' | 'hold';
}

/** Merges task settings over `plan.defaults` over the built-in defaults. */
export function effectiveTask(plan: Pick<PhasePlan, 'defaults'>, step: Step): EffectiveTask {
  const retry: Retry = { ...DEFAULT_RETRY, ...(plan.defaults?.retry ?? {}), ...(step.retry ?? {}) };
  const heartbeat = step.heartbeat ?? plan.defaults?.heartbeat;
  return {
    maximumAttempts: retry.maximumAttempts ?? DEFAULT_RETRY.maximumAttempts,
    initialIntervalMs: parseDuration(retry.initialInterval ?? DEFAULT_RETRY.initialInterval),
    backoffCoefficient: retry.backoffCoefficient ?? DEFAULT_RETRY.backoffCoefficient,
    maximumIntervalMs: parseDuration(retry.maximumInterval ?? DEFAULT_RETRY.maximumInterval),
    timeoutMs: parseDuration(step.timeout ?? plan.defaults?.timeout ?? DEFAULT_TASK_TIMEOUT),
    heartbeatMs: heartbeat ? parseDuration(heartbeat) : undefined,
    onFailure: step.onFailure ?? plan.defaults?.onFailure ?? 'fail',
  };
}

/** Wait before attempt `nextAttempt` (2 = first retry): initial × coefficient^(n-2), capped. */
export function backoffMs(task: EffectiveTask, nextAttempt: number): number {
  const raw = task.initialIntervalMs * Math.pow(task.backoffCoefficient, Math.max(0, nextAttempt - 2));
  return Math.min(raw, task.maximumIntervalMs);
}
