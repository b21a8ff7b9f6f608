/**
 * Reading a run's Temporal history for evidence: how many events and workflow tasks it took, and
 * how long the worker spent inside workflow tasks (WorkflowTaskStarted → WorkflowTaskCompleted,
 * server timestamps), which is where engine code runs.
 */
import type { Client } from '@temporalio/client';

/** A Temporal timestamp in epoch milliseconds. */
export function eventMs(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!t) return Number.NaN;
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/** What one run's history says. */
export interface HistoryStats {
  events: number;
  workflowTasks: number;
  /** Sum over workflow tasks of started → completed (ms): worker time in workflow code + SDK. */
  workflowTaskMs: number;
  activities: number;
  /** Median scheduled → started gap of this run's activities and workflow tasks (ms): dispatch latency. */
  activityDispatchMs: number;
  workflowTaskDispatchMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : Number.NaN;
}

/** Fetches the whole history of `workflowId` and summarizes it. */
export async function historyStats(client: Client, workflowId: string): Promise<HistoryStats> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const started = new Map<number, number>();
  const at = new Map<number, number>();
  const activityGaps: number[] = [];
  const taskGaps: number[] = [];
  let workflowTasks = 0;
  let workflowTaskMs = 0;
  let activities = 0;
  for (const e of events) {
    at.set(Number(e.eventId), eventMs(e.eventTime));
    const wts = e.workflowTaskStartedEventAttributes;
    if (wts) taskGaps.push(eventMs(e.eventTime) - (at.get(Number(wts.scheduledEventId)) ?? Number.NaN));
    const ats = e.activityTaskStartedEventAttributes;
    if (ats) activityGaps.push(eventMs(e.eventTime) - (at.get(Number(ats.scheduledEventId)) ?? Number.NaN));
    // Events are told apart by their attributes, which saves depending on the proto enums.
    if (e.workflowTaskStartedEventAttributes) started.set(Number(e.eventId), eventMs(e.eventTime));
    if (e.workflowTaskCompletedEventAttributes) {
      workflowTasks++;
      const from = started.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId));
      if (from !== undefined) workflowTaskMs += eventMs(e.eventTime) - from;
    }
    if (e.activityTaskScheduledEventAttributes) activities++;
  }
  return {
    events: events.length,
    workflowTasks,
    workflowTaskMs,
    activities,
    activityDispatchMs: median(activityGaps),
    workflowTaskDispatchMs: median(taskGaps),
  };
}

/**
 * When the worker picked up the activity of `stepId` (its ActivityTaskStarted event time, epoch
 * ms). The started event is written when the activity closes, so call this after it completed.
 */
export async function activityStartedMs(client: Client, workflowId: string, stepId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  let scheduledId: number | undefined;
  for (const e of events) {
    const data = e.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
    // The activity input is JSON (the default converter): find the step by its stepId field.
    if (data && Buffer.from(data).toString('utf8').includes(`"stepId":"${stepId}"`)) scheduledId = Number(e.eventId);
    if (
      scheduledId !== undefined &&
      e.activityTaskStartedEventAttributes &&
      Number(e.activityTaskStartedEventAttributes.scheduledEventId) === scheduledId
    ) {
      return eventMs(e.eventTime);
    }
  }
  throw new Error(`no started activity for step ${stepId} in ${workflowId}`);
}
