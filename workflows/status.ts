/**
 * The run status model (SPEC §4): what the `status` query returns and what `GET /api/runs/:runId`
 * serves. The types are defined, with their zod schemas, in `status-schema.ts` (add fields there;
 * never rename); this module re-exports them as types only, so workflow code importing it never
 * pulls zod into the workflow bundle. The markdown table of the Temporal UI is rendered by
 * `status-markdown.ts`.
 */

export type {
  AgentTaskState,
  AttemptRecord,
  CheckResult,
  CompensationRecord,
  EscalationRecord,
  GateState,
  GateStatus,
  MetricValue,
  Outcome,
  PhaseRecord,
  RunEvent,
  RunSource,
  RunState,
  RunStatus,
  StepState,
  StepStatus,
  Vote,
} from './status-schema';
import type { Outcome, RunState, RunStatus } from './status-schema';

/**
 * The status of a run that just started: state `running`, nothing done yet. `startedAt` is the
 * current (workflow) time, so call it from workflow code for a deterministic value.
 */
export function newRunStatus(
  runId: string,
  plan: { id: string; title?: string | undefined },
  kind: RunStatus['kind'],
): RunStatus {
  return {
    runId,
    plan: plan.id,
    title: plan.title ?? plan.id,
    kind,
    state: 'running',
    outcome: null,
    cause: null,
    startedAt: new Date().toISOString(),
    endedAt: null,
    steps: [],
    gates: [],
    compensations: [],
    escalations: [],
    events: [],
    source: null,
    startedBy: null,
  };
}

/** True when `state` is final. */
export function isOutcome(state: RunState): state is Outcome {
  return (
    state === 'succeeded' ||
    state === 'rejected' ||
    state === 'failed' ||
    state === 'cancelled' ||
    state === 'timed-out'
  );
}
