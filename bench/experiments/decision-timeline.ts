/**
 * Experiment (not part of `npm run bench`): where a decision's time goes, hop by hop. For runs of
 * the decision plan parked at their gate, sends `POST /decisions` and prints, relative to the
 * request (ms): the workflow task that applied the vote (scheduled, started, completed), the
 * dependent activity (scheduled, started) and the HTTP response. Server times come from history.
 * Run: `npx tsx bench/experiments/decision-timeline.ts [decisions]`.
 */
import { randomUUID } from 'node:crypto';
import { startRun } from '../../client/runs';
import { statusQuery } from '../../workflows/messages';
import { createHarness, voteGo } from '../lib/harness';
import { eventMs } from '../lib/history';
import { dagPlan, decisionPlan, parkedPlan, startPlan } from '../lib/plans';
import { delay, summarize } from '../lib/stats';

const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 40);
  const h = await createHarness([dagPlan(), decisionPlan(), parkedPlan(), startPlan()]);
  const cols: Record<string, number[]> = {
    wftScheduled: [],
    wftStarted: [],
    wftCompleted: [],
    actScheduled: [],
    actStarted: [],
    response: [],
  };
  try {
    for (let i = 0; i < n; i++) {
      const handle = await startRun(h.client, decisionPlan(), { taskQueue: h.taskQueue, runId: `tl-${randomUUID()}` });
      for (;;) {
        const s = await handle.query(statusQuery).catch(() => undefined);
        if (s?.gates[0]?.state === 'awaiting-approval') break;
        await delay(20);
      }
      await delay(50);
      const req = now();
      const r = await voteGo(h.api, handle.workflowId);
      const res = now();
      if (r.status !== 200) throw new Error(`${r.status}`);
      await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      // The vote's workflow task is the last one that starts before the `next` activity is scheduled.
      const actIdx = events.findIndex(
        (e) =>
          e.activityTaskScheduledEventAttributes &&
          Buffer.from(e.activityTaskScheduledEventAttributes.input?.payloads?.[0]?.data ?? [])
            .toString()
            .includes('"stepId":"next"'),
      );
      const act = events[actIdx];
      const started = events.find(
        (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === Number(act?.eventId),
      );
      let k = actIdx;
      while (k > 0 && !events[k]?.workflowTaskCompletedEventAttributes) k--;
      const completed = events[k];
      const startedWft = events.find(
        (e) => Number(e.eventId) === Number(completed?.workflowTaskCompletedEventAttributes?.startedEventId),
      );
      const scheduledWft = events.find(
        (e) => Number(e.eventId) === Number(completed?.workflowTaskCompletedEventAttributes?.scheduledEventId),
      );
      const row = {
        wftScheduled: eventMs(scheduledWft?.eventTime) - req,
        wftStarted: eventMs(startedWft?.eventTime) - req,
        wftCompleted: eventMs(completed?.eventTime) - req,
        actScheduled: eventMs(act?.eventTime) - req,
        actStarted: eventMs(started?.eventTime) - req,
        response: res - req,
      };
      for (const [key, v] of Object.entries(row)) cols[key]?.push(v);
      if (i < 10)
        console.log(
          Object.entries(row)
            .map(([key, v]) => `${key} ${v.toFixed(1)}`)
            .join('  '),
        );
    }
    for (const [key, v] of Object.entries(cols)) {
      const s = summarize(v, 1);
      console.log(`${key.padEnd(13)} p50 ${s.median}  p90 ${s.p90}  p99 ${s.p99}  max ${s.max}`);
    }
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
