/**
 * The contract between the workflow and the executors: what an attempt receives and returns.
 * Imported by the workflow as types only.
 */
import type { Executor, MetricRule } from '../workflows/plan/schema';
import type { MetricValue } from '../workflows/status';

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

/** An event the run reports to the outside world (escalations, outcomes), POSTed to the webhook. */
export interface RunNotification {
  type: 'escalation' | 'outcome' | 'awaiting-approval' | 'held';
  runId: string;
  plan: string;
  step?: string;
  message: string;
  at: string;
}
