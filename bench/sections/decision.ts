/**
 * Decision latency: for each run of `prep → approve (gate) → next`, wait until the gate awaits,
 * POST the go decision through the API, and measure how long until `next` starts. Decisions are
 * sent one at a time (latency, not throughput); the runs are started up front so each decision
 * lands on a run that is already parked, as in real use, and each run is watched through
 * `GET /api/runs/:runId` until its gate awaits, as the approver's run page does before Go is
 * clicked (so the API's one-minute memory that the run is a Phasegate run is warm, as it is then).
 *
 * "next starts" is measured three ways, because each clock says something different:
 * - `activityStarted`: the ActivityTaskStarted time of `next` in history (server clock): when a
 *   worker actually picked the task up. This is the headline.
 * - `statusStartedAt`: `next.startedAt` in the run status (workflow time = the start time of the
 *   workflow task that applied the vote). The vote and the launch of `next` happen in the same
 *   workflow task, before the Update's response leaves the server, so this is ≤ 0 by design.
 * - `queryObserved`: when a status query (polled back to back from the client) first shows
 *   `next` no longer pending: what a client watching the run sees.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { startRun } from '../../client/runs';
import { statusQuery } from '../../workflows/messages';
import type { RunStatus } from '../../workflows/status';
import { api, voteGo, type Harness } from '../lib/harness';
import { activityStartedMs } from '../lib/history';
import { decisionPlan } from '../lib/plans';
import { delay, mapLimit, summarize, type Summary } from '../lib/stats';

/** Results of the decision section (all in ms). */
export interface DecisionResult {
  decisions: number;
  /** HTTP response arrived → worker picked up `next` (history time). */
  activityStarted: Summary;
  /** HTTP request sent → worker picked up `next`: the end-to-end figure an approver experiences. */
  activityStartedFromRequest: Summary;
  /** HTTP response arrived → `next.startedAt` in the status (workflow time). */
  statusStartedAt: Summary;
  /** HTTP response arrived → a status query first shows `next` past pending. */
  queryObserved: Summary;
  /** The decision request's own round trip (HTTP → API → Update → response). */
  httpRoundTrip: Summary;
}

/** Epoch milliseconds with sub-millisecond precision, comparable with server timestamps. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Waits, as the approver's run page does, by reading the status through the API until the gate
 * awaits: the decision then finds the API as a person finds it (it has just served that run).
 */
async function awaiting(h: Harness, handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await api<RunStatus>(h.api, 'GET', `/api/runs/${handle.workflowId}`);
    if (r.status === 200 && r.body.gates[0]?.state === 'awaiting-approval') return;
    if (Date.now() > deadline)
      throw new Error(
        `${handle.workflowId} never reached its gate: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`,
      );
    await delay(20);
  }
}

interface Sample {
  id: string;
  req: number;
  res: number;
  seen: number;
  statusStartedAt: number;
}

async function decideOne(h: Harness, handle: WorkflowHandle): Promise<Sample> {
  await awaiting(h, handle);
  const req = nowMs();
  const r = await voteGo(h.api, handle.workflowId);
  const res = nowMs();
  if (r.status !== 200)
    throw new Error(`decision on ${handle.workflowId} answered ${r.status}: ${JSON.stringify(r.body)}`);
  // Back-to-back queries: the observation granularity is one query round trip (a few ms).
  let s: RunStatus;
  for (;;) {
    s = await handle.query(statusQuery);
    if (s.steps.find((x) => x.id === 'next')?.state !== 'pending') break;
  }
  const seen = nowMs();
  const startedAt = s.steps.find((x) => x.id === 'next')?.startedAt;
  return { id: handle.workflowId, req, res, seen, statusStartedAt: startedAt ? Date.parse(startedAt) : Number.NaN };
}

/** Runs the section: `warmup` uncounted decisions, then `decisions` measured ones. */
export async function benchDecision(h: Harness, decisions = 200, warmup = 10): Promise<DecisionResult> {
  const plan = decisionPlan();
  const ids = Array.from({ length: warmup + decisions }, () => `bench-decision-${randomUUID()}`);
  const handles = await mapLimit(ids, 10, (id) => startRun(h.client, plan, { taskQueue: h.taskQueue, runId: id }));
  const samples: Sample[] = [];
  for (const [i, handle] of handles.entries()) {
    const sample = await decideOne(h, handle);
    if (i >= warmup) samples.push(sample);
  }
  await Promise.all(handles.map((hd) => hd.result()));
  const started = await mapLimit(samples, 8, (s) => activityStartedMs(h.client, s.id, 'next'));
  return {
    decisions: samples.length,
    activityStarted: summarize(samples.map((s, i) => (started[i] as number) - s.res)),
    activityStartedFromRequest: summarize(samples.map((s, i) => (started[i] as number) - s.req)),
    statusStartedAt: summarize(samples.map((s) => s.statusStartedAt - s.res)),
    queryObserved: summarize(samples.map((s) => s.seen - s.res)),
    httpRoundTrip: summarize(samples.map((s) => s.res - s.req)),
  };
}
