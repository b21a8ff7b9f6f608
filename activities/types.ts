/**
 * The contract between the workflow and the executors: what an attempt receives and returns.
 * Imported by the workflow as types only.
 */
import type { Executor, MetricRule, NotifyEvent, NotifyTarget } from '../workflows/plan/schema';
import type { CheckResult, MetricValue, Vote } from '../workflows/status';

/** One attempt of a task (or one compensation) handed to an executor activity. */
export interface TaskInput {
  /** Workflow id of the run (the run id users see). */
  runId: string;
  stepId: string;
  agent?: string;
  /** 1-based attempt number, counted by the workflow. */
  attempt: number;
  /** `run` for the task itself, `rollback` for its compensation. */
  purpose: 'run' | 'rollback';
  executor: Executor;
  /** The task's `metrics:` rules (extraction regexes; `{}` for metrics the executor reports). */
  metricRules: Record<string, MetricRule>;
}

/** What a successful attempt returns. Output tails are bounded (64 KiB each). */
export interface TaskResult {
  metrics: Record<string, MetricValue>;
  summary?: string;
  stdoutTail?: string;
  stderrTail?: string;
  exitCode?: number;
  httpStatus?: number;
  durationMs: number;
}

/**
 * Details attached to a failed attempt's `ApplicationFailure` (first detail), so the run status can
 * show what the command printed or the service answered.
 */
export interface TaskFailureDetails {
  stdoutTail?: string;
  stderrTail?: string;
  exitCode?: number;
  signal?: string;
  httpStatus?: number;
  bodyTail?: string;
}

/** An event the run reports to the outside world, POSTed to the webhook and the plan's `notify` targets. */
export interface RunNotification {
  /** `escalation` for escalations (as before `event` existed); the event name for the others. */
  type: 'escalation' | 'outcome' | 'awaiting-approval' | 'held' | NotifyEvent;
  /** The event (SPEC names); absent in escalations recorded before it existed (read as `escalated`). */
  event?: NotifyEvent;
  /** Idempotency key, `<workflowId>/<event>/<seq>`: the same across retries, sent as `Idempotency-Key`. */
  key?: string;
  runId: string;
  plan: string;
  title?: string;
  step?: string;
  message: string;
  at: string;
  /** The plan's targets for this event (the worker adds `PHASEGATE_WEBHOOK_URL`). */
  targets?: NotifyTarget[];
  /** approval-requested / approval-decided: the gate. */
  gate?: NotifiedGate;
  /** held: the task and why. */
  held?: { step: string; error: string | null; attempts: number };
  /** checkpoint: the progress digest. */
  checkpoint?: ProgressDigest;
  /** ended: how the run ended. */
  outcome?: { outcome: string; cause: string | null; startedAt: string | null; endedAt: string | null };
}

/** A gate as notifications show it: checks with results, approvers resolved to people, votes, due time. */
export interface NotifiedGate {
  id: string;
  title?: string;
  state: string;
  checks: CheckResult[];
  /** As the plan lists them (`group:<name>` included). */
  approvers: string[];
  /** Everyone who may vote: people listed and the members of the groups listed (less those barred). */
  approversResolved: string[];
  approverGroups?: Record<string, string[]>;
  quorum: number;
  votes: Vote[];
  /** When the approval times out (ISO), or null. */
  due: string | null;
}

/** A run's progress at a checkpoint. */
export interface ProgressDigest {
  seq: number;
  state: string;
  /** Steps (tasks and gates) by state, e.g. `{succeeded: 3, running: 1, pending: 2}`. */
  steps: Record<string, number>;
  gatesWaiting: string[];
  escalations: number;
  elapsed: string;
}
