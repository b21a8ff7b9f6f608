/**
 * The run status model (SPEC §4): what the `status` query returns and what `GET /api/runs/:runId`
 * serves. Fields may be added, never renamed. The markdown table of the Temporal UI is rendered
 * by `status-markdown.ts`.
 */

/** Run-level state; the last five are the outcomes. */
export type RunState =
  | 'running'
  | 'awaiting-approval'
  | 'held'
  | 'rolling-back'
  | 'succeeded'
  | 'rejected'
  | 'failed'
  | 'cancelled'
  | 'timed-out';

/** How a run ended. */
export type Outcome = 'succeeded' | 'rejected' | 'failed' | 'cancelled' | 'timed-out';

/** States a task step moves through. */
export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'compensated' | 'compensation-failed';

/** States a gate moves through. */
export type GateState = 'pending' | 'checking' | 'awaiting-approval' | 'go' | 'no-go';

/** A metric value. */
export type MetricValue = number | string | boolean;

/** One attempt of a task. */
export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  endedAt?: string;
  outcome?: 'succeeded' | 'failed';
  error?: string | null;
  /** For agent tasks: who claimed it. */
  claimedBy?: string | null;
}

/** An open `agent` attempt, as listed to agents. */
export interface AgentTaskState {
  attempt: number;
  claimedBy: string | null;
  claimedAt: string | null;
  lastHeartbeatAt: string | null;
  instructions?: string;
}

/** A task step in the status. */
export interface StepStatus {
  id: string;
  type: 'task';
  title?: string;
  agent?: string;
  executor: string;
  needs: string[];
  state: StepState;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  metrics: Record<string, MetricValue>;
  error: string | null;
  summary?: string | null;
  /** Output tails of the last attempt (shell) or response excerpt (http). */
  output?: { stdout?: string; stderr?: string; exitCode?: number; httpStatus?: number; body?: string } | null;
  attemptHistory: AttemptRecord[];
  /** Set while the task is held after exhausting its retries. */
  held?: boolean;
  /** Set while an `agent` attempt is open. */
  agentTask?: AgentTaskState | null;
}

/** A gate check and its result. */
export interface CheckResult {
  metric: string;
  op: string;
  value: MetricValue;
  actual: MetricValue | null;
  passed: boolean;
}

/** One decision on a gate. */
export interface Vote {
  approver: string;
  decision: 'go' | 'no-go';
  comment?: string;
  at: string;
  /** `update` (counted at once) or `signal`. */
  via?: 'update' | 'signal' | 'timeout';
}

/** A gate in the status. */
export interface GateStatus {
  id: string;
  type: 'gate';
  title?: string;
  needs: string[];
  state: GateState;
  checks: CheckResult[];
  votes: Vote[];
  quorum: number;
  approvers: string[];
  startedAt: string | null;
  endedAt: string | null;
  /** When approval times out (ISO), while awaiting. */
  deadline?: string | null;
  /** How the gate was decided: `checks`, `votes`, `timeout`, `automatic`. */
  decidedBy?: string | null;
}

/** One compensation, in the order run. */
export interface CompensationRecord {
  step: string;
  state: 'succeeded' | 'failed';
  at: string;
  error: string | null;
  attempts?: number;
}

/** One escalation: a task or gate stayed in one state too long. */
export interface EscalationRecord {
  step: string;
  reason: string;
  at: string;
  state?: string;
}

/** One entry of the run's event log (the audit trail beside Temporal's own history). */
export interface RunEvent {
  at: string;
  type: string;
  step?: string;
  message: string;
}

/** A child phase of a program. */
export interface PhaseRecord {
  plan: string;
  runId: string;
  outcome: Outcome | null;
  state?: RunState;
  title?: string;
}

/** The whole run status. */
export interface RunStatus {
  runId: string;
  plan: string;
  title: string;
  kind: 'phase' | 'program';
  state: RunState;
  outcome: Outcome | null;
  /** Why the run ended the way it did (the original cause of a rollback). */
  cause: string | null;
  startedAt: string;
  endedAt: string | null;
  steps: StepStatus[];
  gates: GateStatus[];
  compensations: CompensationRecord[];
  escalations: EscalationRecord[];
  events: RunEvent[];
  /** How many events were left out of `events` to bound its size (the Temporal history has them all). */
  eventsDropped?: number;
  phases?: PhaseRecord[];
}

/**
 * The status of a run that just started: state `running`, nothing done yet. `startedAt` is the
 * current (workflow) time, so call it from workflow code for a deterministic value.
 */
export function newRunStatus(runId: string, plan: { id: string; title?: string }, kind: RunStatus['kind']): RunStatus {
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
  };
}

/** True when `state` is final. */
export function isOutcome(state: RunState): state is Outcome {
  return state === 'succeeded' || state === 'rejected' || state === 'failed' || state === 'cancelled' || state === 'timed-out';
}
