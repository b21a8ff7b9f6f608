/**
 * The states and metric values of the run status (`status-schema.ts` is the entry module): the
 * enums the step, gate and run schemas share.
 */
import { z } from 'zod';

/** Run-level state; `scheduled` while waiting for the plan's `startAt`; the last five are the outcomes. */
export const RunStateSchema = z.enum([
  'scheduled',
  'running',
  'awaiting-approval',
  'held',
  'rolling-back',
  'succeeded',
  'rejected',
  'failed',
  'cancelled',
  'timed-out',
]);
/** Run-level state; the last five are the outcomes. */
export type RunState = z.infer<typeof RunStateSchema>;

/** How a run ended. */
export const OutcomeSchema = z.enum(['succeeded', 'rejected', 'failed', 'cancelled', 'timed-out']);
/** How a run ended. */
export type Outcome = z.infer<typeof OutcomeSchema>;

/** States a task step moves through. */
export const StepStateSchema = z.enum([
  'pending',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
  'compensated',
  'compensation-failed',
]);
/** States a task step moves through. */
export type StepState = z.infer<typeof StepStateSchema>;

/** States a gate moves through; `cancelled`: the run ended (cancel, deadline) while the gate awaited decisions. */
export const GateStateSchema = z.enum(['pending', 'checking', 'awaiting-approval', 'go', 'no-go', 'cancelled']);
/** States a gate moves through. */
export type GateState = z.infer<typeof GateStateSchema>;

/** A metric value. */
export const MetricValueSchema = z.union([z.number(), z.string(), z.boolean()]);
/** A metric value. */
export type MetricValue = z.infer<typeof MetricValueSchema>;
