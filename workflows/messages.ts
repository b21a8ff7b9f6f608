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
  /** How an Update vote came in when not plainly through the API: an approval link, or MCP. */
  via?: 'link' | 'mcp';
  /** The approval link's nonce (with `via: 'link'`): recorded in the vote, so a link works once. */
  linkNonce?: string;
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
  /** Who claims: the agent's identity (the token's identity when tokens are configured). */
  claimant: string;
  /** A client-chosen lease id: repeating a claim with it returns the same lease (a safe retry). */
  leaseId?: string;
  /** A label shown next to the identity (host/pid of the process); never an identity. */
  label?: string;
  /** Only claim this attempt (409 when another one is open). */
  attempt?: number;
}

/** Lease the oldest unleased open task of `agent` in this run (`claimNext`). */
export interface ClaimNextRequest {
  agent: string;
  claimant: string;
  leaseId?: string;
  label?: string;
}

/** What the steps a task needs produced, handed to the agent with its lease. */
export interface LeaseInput {
  metrics: Record<string, MetricValue>;
  summary: string | null;
}

/** What a successful claim returns: a lease (SPEC §4), whose `leaseId` heartbeat/complete/fail quote. */
export interface ClaimResult {
  leaseId: string;
  runId: string;
  stepId: string;
  attempt: number;
  claimedBy: string;
  label?: string;
  /** The metrics and summaries of the steps this task needs, by step id. */
  inputs: Record<string, LeaseInput>;
  /** Silence longer than this releases the lease (e.g. `30s`); absent when the task has none. */
  heartbeatTimeout?: string;
  /** When the lease lapses without a heartbeat (or the attempt times out), ISO. */
  expiresAt?: string;
  title?: string | undefined;
  agent?: string | undefined;
  instructions?: string | undefined;
  description?: string | undefined;
  /** Metric names the plan expects from this task. */
  metrics: string[];
}

/** A heartbeat from the claimant of an attempt. */
export interface AgentHeartbeat {
  step: string;
  /** The lease reported on; required by the API (absent only in histories from before leases). */
  leaseId?: string;
  attempt?: number;
  /** The reporter's identity: must be the lease holder when given. */
  claimant?: string;
  /** Optional progress note, kept as the step's summary. */
  progress?: string;
}

/** The claimant reports the attempt done. */
export interface AgentCompletion {
  step: string;
  leaseId?: string;
  attempt?: number;
  claimant?: string;
  metrics?: Record<string, MetricValue>;
  summary?: string;
}

/** The claimant reports the attempt failed; `retryable: false` fails the task for good. */
export interface AgentFailure {
  step: string;
  leaseId?: string;
  attempt?: number;
  claimant?: string;
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

/** Claim an `agent` task's open attempt: a new lease, or 409; repeating the same `leaseId` returns that lease. */
export const claimUpdate = defineUpdate<ClaimResult, [ClaimRequest]>('claim');
/** Lease the oldest unleased open task of an agent in this run; 409 (`Conflict`) when there is none. */
export const claimNextUpdate = defineUpdate<ClaimResult, [ClaimNextRequest]>('claimNext');
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
  /** Approver groups its gates name → members when it started (`group:<name>` approvers). */
  groups?: Record<string, string[]>;
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
  /** Approver groups its gates name → members when it started (`group:<name>` approvers). */
  groups?: Record<string, string[]>;
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
