/**
 * Messages a run accepts, shared by the workflow (handlers) and the clients (API, CLI, tests).
 *
 * Updates answer at once and are validated before they touch history: a rejected Update fails with
 * an `ApplicationFailure` whose `type` is one of {@link RejectionType}, which the API maps to a
 * status code. Signals of the same name carry the same payloads for the Temporal UI and
 * `temporal workflow signal`; invalid ones are recorded in the run's event log and ignored.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GateStatus, MetricValue, RunStatus, StepStatus } from './status';

/** A go/no-go vote on a gate. */
export interface Decision {
  gate: string;
  decision: 'go' | 'no-go';
  approver: string;
  comment?: string;
  /** Signals only: `v1:<hex HMAC-SHA256>` of the decision for this run (`phase sign` makes one). */
  signature?: string;
}

/** Which definition a run runs (see `client/api/start-policy.ts`). */
export interface RunSourceInput {
  kind: 'bundled' | 'inline';
  sha256: string;
}

/** An operator's action on a held task. `abort` rolls the run back (outcome `failed`). */
export interface OperatorAction {
  step: string;
  action: 'retry' | 'skip' | 'abort';
  operator?: string;
  comment?: string;
}

/** An external agent claims the open attempt of an `agent` task. */
export interface ClaimRequest {
  step: string;
  /** Who claims: the agent's identity (a session, a person, a script). */
  claimant: string;
}

/** What a successful claim returns: the attempt to quote in heartbeat/complete/fail. */
export interface ClaimResult {
  runId: string;
  stepId: string;
  attempt: number;
  claimedBy: string;
  title?: string;
  agent?: string;
  instructions?: string;
  description?: string;
  /** Metric names the plan expects from this task. */
  metrics: string[];
}

/** A heartbeat from the claimant of an attempt. */
export interface AgentHeartbeat {
  step: string;
  attempt: number;
  claimant: string;
  /** Optional progress note, kept as the step's summary. */
  progress?: string;
}

/** The claimant reports the attempt done. */
export interface AgentCompletion {
  step: string;
  attempt: number;
  claimant: string;
  metrics?: Record<string, MetricValue>;
  summary?: string;
}

/** The claimant reports the attempt failed; `retryable: false` fails the task for good. */
export interface AgentFailure {
  step: string;
  attempt: number;
  claimant: string;
  reason: string;
  retryable?: boolean;
}

/**
 * Types of `ApplicationFailure` an Update validator throws; the API maps them to HTTP codes:
 * `NotFound` → 404, `Forbidden` → 403, `Conflict` → 409, `Invalid` → 400.
 */
export type RejectionType = 'NotFound' | 'Forbidden' | 'Conflict' | 'Invalid';

/** The whole run state, JSON. */
export const statusQuery = defineQuery<RunStatus>('status');

/** Which steps a `statusPage` query returns: `limit` steps from `offset` (plan order). */
export interface StatusPageRequest {
  offset: number;
  limit: number;
}

/** Where a page of steps sits among all of them. */
export interface StepsPage {
  offset: number;
  returned: number;
  total: number;
}

/** The run status with only a page of its steps (everything else whole), and where that page sits. */
export type RunStatusPage = RunStatus & { stepsPage: StepsPage };

/**
 * The status with one page of steps: a big run's whole status passes the SDK's 512 KiB payload
 * warning at ≈ 1,000 steps and its 2 MB limit at ≈ 3,400. `status` stays whole for everyone else.
 */
export const statusPageQuery = defineQuery<RunStatusPage, [StatusPageRequest]>('statusPage');

/** Vote on a gate; returns the gate's new state. */
export const decideUpdate = defineUpdate<GateStatus, [Decision]>('decide');
/** Vote on a gate, fire-and-forget (Temporal UI, CLI `temporal workflow signal`). */
export const decideSignal = defineSignal<[Decision]>('decide');

/** Retry, skip or abort a held task; returns the step's new state. */
export const actUpdate = defineUpdate<StepStatus, [OperatorAction]>('act');
/** Same as {@link actUpdate}, as a signal. */
export const actSignal = defineSignal<[OperatorAction]>('act');

/** Claim an `agent` task's open attempt. Only one claimant wins; a repeat claim by the winner is idempotent. */
export const claimUpdate = defineUpdate<ClaimResult, [ClaimRequest]>('claim');
/** Keep a claimed attempt alive. */
export const agentHeartbeatUpdate = defineUpdate<StepStatus, [AgentHeartbeat]>('agentHeartbeat');
/** Complete a claimed attempt with metrics and a summary. Idempotent for the same attempt. */
export const completeUpdate = defineUpdate<StepStatus, [AgentCompletion]>('complete');
/** Fail a claimed attempt. */
export const failUpdate = defineUpdate<StepStatus, [AgentFailure]>('fail');

/** Workflow type names, for clients that start runs by name. */
export const WORKFLOW_TYPES = { phase: 'phaseWorkflow', program: 'programWorkflow' } as const;

/** Input of `phaseWorkflow`. */
export interface PhaseRunInput {
  /** The validated phase plan (see `workflows/plan/schema.ts`). */
  plan: import('./plan/schema').PhasePlan;
  /** ISO time before which the run waits (overrides `plan.startAt`). */
  startAt?: string;
  /** The Temporal Schedule whose action started this run (shown as `scheduleId` in the status). */
  scheduleId?: string;
  /** Which definition runs: bundled or inline, with the sha256 of its canonical JSON (status `source`). */
  source?: RunSourceInput;
  /** Token identity of whoever started the run (status `startedBy`); absent without tokens. */
  startedBy?: string;
  /**
   * Set when the starting API has tokens configured: a `decide` Signal then counts only with a
   * valid `signature` (checked on the worker against `PHASEGATE_SIGNING_KEY`), else it is ignored.
   */
  signedSignals?: boolean;
}

/** Input of `programWorkflow`: the program with every phase resolved to a full plan. */
export interface ProgramRunInput {
  plan: import('./plan/schema').ResolvedProgramPlan;
  /** The Temporal Schedule whose action started this run (shown as `scheduleId` in the status). */
  scheduleId?: string;
  /** Which definition runs: bundled or inline, with the sha256 of its canonical JSON (status `source`). */
  source?: RunSourceInput;
  /** Token identity of whoever started the run (status `startedBy`); absent without tokens. */
  startedBy?: string;
  /**
   * Set when the starting API has tokens configured: a `decide` Signal then counts only with a
   * valid `signature` (checked on the worker against `PHASEGATE_SIGNING_KEY`), else it is ignored.
   */
  signedSignals?: boolean;
}
