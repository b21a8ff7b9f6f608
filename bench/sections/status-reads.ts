/**
 * Status reads under a burst: `concurrency` `GET /api/runs/:runId` of one run at once (a team's
 * dashboards and CLIs polling the run everybody watches), several rounds. Identical reads in flight
 * share one workflow query in the API and an answer is reused up to 250 ms
 * (`client/api/status-cache.ts`); before that, each read was its own query, i.e. its own workflow
 * task on the worker, and 300 of them queued (p99 2.3 s). Reports latency, status codes and the
 * age the answers declared.
 */
import { randomUUID } from 'node:crypto';
import { startRun } from '../../client/runs';
import type { Harness } from '../lib/harness';
import { decisionPlan } from '../lib/plans';
import { delay, summarize, type Summary } from '../lib/stats';
import { statusQuery } from '../../workflows/messages';

/** Results of the status-reads section. */
export interface StatusReadsResult {
  concurrency: number;
  rounds: number;
  /** Latency of each read (ms), all rounds. */
  latencyMs: Summary;
  /** How many reads answered 200, of all sent. */
  ok: number;
  sent: number;
  /** `statusAgeMs` the answers carried. */
  ageMs: Summary;
}

async function read(base: string, runId: string): Promise<{ ms: number; status: number; age: number }> {
  const t = performance.now();
  const res = await fetch(`${base}/api/runs/${runId}`);
  const body = (await res.json()) as { statusAgeMs?: number };
  return { ms: performance.now() - t, status: res.status, age: body.statusAgeMs ?? Number.NaN };
}

/** Runs the section on one run parked at its gate (the live, cached case). */
export async function benchStatusReads(h: Harness, concurrency = 300, rounds = 5): Promise<StatusReadsResult> {
  const handle = await startRun(h.client, decisionPlan(), {
    taskQueue: h.taskQueue,
    runId: `bench-reads-${randomUUID()}`,
  });
  for (;;) {
    const s = await handle.query(statusQuery).catch(() => undefined);
    if (s?.gates[0]?.state === 'awaiting-approval') break;
    await delay(50);
  }
  const all: { ms: number; status: number; age: number }[] = [];
  try {
    await Promise.all(Array.from({ length: 20 }, () => read(h.api, handle.workflowId))); // warm-up
    for (let r = 0; r < rounds; r++) {
      await delay(300); // past the reuse window: each round starts with a fresh query
      all.push(...(await Promise.all(Array.from({ length: concurrency }, () => read(h.api, handle.workflowId)))));
    }
  } finally {
    await handle.terminate('benchmark cleanup').catch(() => undefined);
  }
  return {
    concurrency,
    rounds,
    latencyMs: summarize(all.map((a) => a.ms)),
    ok: all.filter((a) => a.status === 200).length,
    sent: all.length,
    ageMs: summarize(
      all.map((a) => a.age).filter((a) => !Number.isNaN(a)),
      0,
    ),
  };
}
