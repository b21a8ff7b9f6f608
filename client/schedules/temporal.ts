/**
 * A Phasegate schedule ⇄ a Temporal Schedule. The schedule's action starts the same workflow with
 * the same input, summary and search attributes as `startRun` (one builder: `runStartTemplate`),
 * plus `scheduleId` in the input. Temporal appends the nominal time to the action's workflow id,
 * so a run id reads `<plan-id>-<schedule>-2026-12-07T09:00:00Z`: still `<plan-id>-…`.
 */
import { createHash } from 'node:crypto';
import { ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import { runStartTemplate, type RunnablePlan } from '../runs';
import type { Overlap, ScheduleDefinition } from './definition';

/** SPEC's overlap names → Temporal's policies. */
export const OVERLAP_TO_TEMPORAL: Readonly<Record<Overlap, ScheduleOverlapPolicy>> = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
};

/**
 * The memo key under which a schedule keeps its definition as written (Temporal turns cron into
 * calendars). It is kept in the action's workflow memo, because a schedule's own memo cannot be
 * updated; the schedule's memo carries it too, as written at creation, so lists can tell
 * Phasegate's schedules from others. Runs the schedule starts carry it as well: the run's memo in
 * the Temporal UI says which schedule started it and how.
 */
export const MEMO_KEY = 'phasegateSchedule';

/** What the memo holds: the definition and a hash of the workflow input the action was built from. */
export interface ScheduleMemo {
  definition: ScheduleDefinition;
  planSha256: string;
}

/** The workflow id prefix of the schedule's runs: always starts with the plan id. */
export function actionWorkflowId(def: Pick<ScheduleDefinition, 'id' | 'plan'>): string {
  return def.id === def.plan || def.id.startsWith(`${def.plan}-`) ? def.id : `${def.plan}-${def.id}`;
}

/** What a schedule's runs start with: the resolved plan and the approver groups then. */
export interface ScheduledInput {
  plan: RunnablePlan;
  groups?: Record<string, string[]>;
}

/** sha256 of the workflow input the action carries (detects a changed plan file or group on `apply`). */
export function inputSha256(def: Pick<ScheduleDefinition, 'id'>, input: ScheduledInput): string {
  const { args } = runStartTemplate(input.plan, {
    scheduleId: def.id,
    ...(input.groups ? { groups: input.groups } : {}),
  });
  return createHash('sha256').update(JSON.stringify(args)).digest('hex');
}

/** The Temporal schedule options for `def`, starting `input.plan` (already resolved) on `taskQueue`. */
export function scheduleOptions(def: ScheduleDefinition, input: ScheduledInput, taskQueue: string): ScheduleOptions {
  const { workflowType, ...template } = runStartTemplate(input.plan, {
    scheduleId: def.id,
    ...(input.groups ? { groups: input.groups } : {}),
  });
  const memo: ScheduleMemo = { definition: def, planSha256: inputSha256(def, input) };
  return {
    scheduleId: def.id,
    spec:
      def.cron !== undefined
        ? { cronExpressions: [def.cron], timezone: def.timezone ?? 'UTC' }
        : { intervals: [{ every: def.every as string }] },
    action: {
      type: 'startWorkflow',
      workflowType,
      workflowId: actionWorkflowId(def),
      taskQueue,
      ...template,
      memo: { [MEMO_KEY]: memo },
    },
    policies: { overlap: OVERLAP_TO_TEMPORAL[def.overlap ?? 'skip'] },
    memo: { [MEMO_KEY]: memo },
    state: { paused: def.paused === true, ...(def.note !== undefined ? { note: def.note } : {}) },
  };
}

/** The Phasegate memo of a schedule, or `undefined` for a schedule Phasegate did not create. */
export function memoOf(memo: Record<string, unknown> | undefined): ScheduleMemo | undefined {
  const value = memo?.[MEMO_KEY] as Partial<ScheduleMemo> | undefined;
  return value && typeof value === 'object' && value.definition && typeof value.definition.id === 'string'
    ? (value as ScheduleMemo)
    : undefined;
}

/** A run a schedule started. */
export interface ScheduledRun {
  runId: string;
  scheduledAt: string;
  takenAt: string;
}

/** A schedule as the API and CLI show it. */
export interface ScheduleView {
  id: string;
  plan: string;
  cron: string | null;
  every: string | null;
  timezone: string;
  overlap: Overlap;
  paused: boolean;
  note: string | null;
  /** Run ids start with this, followed by `-<scheduled time>`. */
  runIdPrefix: string;
  nextRuns: string[];
  recentRuns: ScheduledRun[];
  runningRuns: string[];
  actionsTaken: number;
  skippedOverlap: number;
  createdAt: string;
  /** The schedule in the Temporal UI's Schedules page. */
  uiUrl: string;
}

/** Builds the view from a description; `uiBase` is the Temporal UI base of the namespace. */
export function toView(
  memo: ScheduleMemo,
  desc: Pick<ScheduleDescription, 'state' | 'info'>,
  uiBase: string,
): ScheduleView {
  const def = memo.definition;
  const { state, info } = desc;
  return {
    id: def.id,
    plan: def.plan,
    cron: def.cron ?? null,
    every: def.every ?? null,
    timezone: def.cron !== undefined ? (def.timezone ?? 'UTC') : 'UTC',
    overlap: def.overlap ?? 'skip',
    paused: state.paused,
    note: state.note ? state.note : null,
    runIdPrefix: actionWorkflowId(def),
    nextRuns: info.nextActionTimes.map((d) => d.toISOString()),
    recentRuns: info.recentActions.map((a) => ({
      runId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    })),
    runningRuns: info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: info.numActionsTaken,
    skippedOverlap: info.numActionsSkippedOverlap,
    createdAt: info.createdAt.toISOString(),
    uiUrl: `${uiBase}/schedules/${encodeURIComponent(def.id)}`,
  };
}
