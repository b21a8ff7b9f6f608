/**
 * Turns section results into `bench/results.json` (the machine-readable record, with the keys the
 * issues ask for plus every detail), `bench/RESULTS.md` (the short human summary, report-md.ts)
 * and `bench/growth.svg` (plot.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiStartResult } from '../sections/api-start';
import type { BigPlanResult } from '../sections/big-plan';
import type { DecisionResult } from '../sections/decision';
import type { GrowthResult } from '../sections/growth';
import type { OverheadConcurrentResult, OverheadResult } from '../sections/overhead';
import type { ParkedResult } from '../sections/parked';
import type { StatusReadsResult } from '../sections/status-reads';
import type { SwarmResult } from '../sections/swarm';
import type { MachineInfo } from './machine';
import { growthSvg } from './plot';
import { resultsMarkdown } from './report-md';
import { round } from './stats';

/** The overhead and decision sections measured again on the PostgreSQL-backed cluster. */
export interface ClusterRun {
  date: string;
  address: string;
  load: Record<string, number>;
  overhead: OverheadResult;
  decision: DecisionResult;
}

/** Everything a bench run measured. */
export interface BenchRun {
  date: string;
  wallSeconds: number;
  machine: MachineInfo;
  /** 1-minute load average when each section started (the machine may be shared). */
  load: Record<string, number>;
  overhead: OverheadResult;
  overheadConcurrent: OverheadConcurrentResult;
  decision: DecisionResult;
  apiStart: ApiStartResult;
  parked: ParkedResult;
  bigPlan: BigPlanResult;
  /** Absent in results recorded before issue 17. */
  statusReads?: StatusReadsResult;
  growth?: GrowthResult;
  cluster?: ClusterRun;
  /** Agents at swarm scale (absent in results recorded before it existed). */
  swarm?: SwarmResult;
}

/** The goals of issues 7, 11 and 17. */
export const GOALS = {
  overheadRatio: 1.15,
  decisionP99Ms: 100,
  decisionFromRequestP99Ms: 50,
  apiStartRatio: 0.8,
  statusReadsP99Ms: 500,
  parkedRuns: 5000,
  workerRssMiB: 1024,
  parkedListMs: 50,
  evictedDecisionP99Ms: 250,
  statusBytes: 512 * 1024,
  historyEventLimit: 51_200,
  payloadLimitBytes: 2 * 1024 * 1024,
  swarmDuplicates: 0,
  swarmClaimP99Ms: 100,
  swarmListMs: 100,
};

const lastStage = (p: ParkedResult) => p.stages?.[p.stages.length - 1];

function parkedJson(p: ParkedResult) {
  const last = lastStage(p);
  const baseline = p.baselineStages?.[p.baselineStages.length - 1];
  return {
    runs: p.runs,
    cachedRuns: p.cachedRuns,
    workerRssMiB: last?.rss.rssMiB ?? null,
    workerPeakRssMiB: last?.rss.peakMiB ?? null,
    workerIdleRssMiB: p.workerIdleRss?.rssMiB ?? null,
    baselineRssMiB: baseline?.rss.rssMiB ?? null,
    listMs: p.listMs?.median ?? null,
    listPageSize: p.listPageSize,
    listFullPageMs: p.listFullPageMs?.median ?? null,
    evictedDecisionMs: p.evictedDecisionMs ? { p50: p.evictedDecisionMs.median, p99: p.evictedDecisionMs.p99 } : null,
    cachedDecisionMs: p.cachedDecisionMs ? { p50: p.cachedDecisionMs.median, p99: p.cachedDecisionMs.p99 } : null,
    stoppedEarly: p.stoppedEarly ?? null,
  };
}

function bigPlanJson(b: BigPlanResult) {
  return {
    steps: b.steps,
    historyEvents: b.historyEvents,
    seconds: b.seconds,
    outcome: b.outcome,
    historyBytes: b.historyBytes,
    statusBytes: b.statusBytes,
    statusBytesMeasure: 'GET /api/runs/:runId as served (a run over 500 steps: its first page of steps)',
    wholeStatusBytes: b.wholeStatusBytes ?? null,
    pages: b.api?.pages ?? null,
    largestPageBytes: b.api?.largestPageBytes ?? null,
    stepsReadable: b.api?.stepsRead ?? null,
    replaySeconds: b.replaySeconds,
    baselineSeconds: b.baseline.seconds,
    baselineReplaySeconds: b.baseline.replaySeconds,
  };
}

function clusterJson(c: ClusterRun, dev: BenchRun) {
  const fromReq = (d: DecisionResult) => d.activityStartedFromRequest;
  return {
    date: c.date,
    address: c.address,
    load: c.load,
    overheadRatio: c.overhead.ratio,
    phaseRunMs: c.overhead.phaseMs.median,
    decisionLatencyMs: {
      p50: c.decision.activityStarted.median,
      p99: c.decision.activityStarted.p99,
      fromRequest: { p50: fromReq(c.decision).median, p99: fromReq(c.decision).p99 },
    },
    vsDevServer: {
      phaseRunMs: round(c.overhead.phaseMs.median / dev.overhead.phaseMs.median, 2),
      baselineRunMs: round(c.overhead.baselineMs.median / dev.overhead.baselineMs.median, 2),
      decisionFromRequestP50: round(fromReq(c.decision).median / fromReq(dev.decision).median, 2),
      decisionFromRequestP99: round(fromReq(c.decision).p99 / fromReq(dev.decision).p99, 2),
    },
  };
}

/** The `results.json` document. */
export function resultsJson(r: BenchRun) {
  const s = r.statusReads;
  return {
    date: r.date,
    wallSeconds: r.wallSeconds,
    machine: r.machine,
    load: r.load,
    sharedMachine: 'other engineers ran test suites on this 2-core machine during the run; see load',
    goals: GOALS,
    overheadRatio: r.overhead.ratio,
    decisionLatencyMs: {
      p50: r.decision.activityStarted.median,
      p99: r.decision.activityStarted.p99,
      measure: 'HTTP response of POST /decisions arrived -> ActivityTaskStarted of the dependent step (history time)',
      fromRequest: {
        p50: r.decision.activityStartedFromRequest.median,
        p99: r.decision.activityStartedFromRequest.p99,
      },
      httpRoundTrip: { p50: r.decision.httpRoundTrip.median, p99: r.decision.httpRoundTrip.p99 },
      queryObserved: { p50: r.decision.queryObserved.median, p99: r.decision.queryObserved.p99 },
      statusStartedAt: { p50: r.decision.statusStartedAt.median, p99: r.decision.statusStartedAt.p99 },
    },
    apiStartRatio: r.apiStart.ratio,
    ...(r.apiStart.batch ? { apiStartBatchRatio: r.apiStart.batch.ratio } : {}),
    ...(s
      ? {
          statusReads: {
            concurrency: s.concurrency,
            rounds: s.rounds,
            p50Ms: s.latencyMs.median,
            p99Ms: s.latencyMs.p99,
            all200: s.ok === s.sent,
            ok: s.ok,
            sent: s.sent,
            maxAgeMs: s.ageMs.max,
          },
        }
      : {}),
    parked: parkedJson(r.parked),
    bigPlan: bigPlanJson(r.bigPlan),
    ...(r.growth ? { growth: r.growth } : {}),
    ...(r.cluster ? { cluster: clusterJson(r.cluster, r) } : {}),
    ...(r.swarm
      ? {
          swarm: {
            agents: r.swarm.agents,
            tasks: r.swarm.tasks,
            duplicates: r.swarm.duplicates,
            tasksPerSecond: r.swarm.tasksPerSecond,
            claimMs: { p50: r.swarm.claimMs.median, p99: r.swarm.claimMs.p99 },
            openRuns: r.swarm.openRuns,
            listMs: r.swarm.listMs.median,
          },
        }
      : {}),
    details: {
      ...(r.swarm ? { swarm: r.swarm } : {}),
      overhead: r.overhead,
      overheadConcurrent: r.overheadConcurrent,
      decision: r.decision,
      apiStart: r.apiStart,
      parked: r.parked,
      bigPlan: r.bigPlan,
      ...(r.statusReads ? { statusReads: r.statusReads } : {}),
      ...(r.growth ? { growth: r.growth } : {}),
      ...(r.cluster ? { cluster: r.cluster } : {}),
    },
  };
}

/** Rebuilds a {@link BenchRun} from a `results.json` written by {@link writeReports}. */
export function runFromJson(json: ReturnType<typeof resultsJson>): BenchRun {
  return { date: json.date, wallSeconds: json.wallSeconds, machine: json.machine, load: json.load, ...json.details };
}

/** Writes results.json, RESULTS.md and (with growth figures) growth.svg into `dir`. */
export function writeReports(dir: string, r: BenchRun): void {
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(resultsJson(r), null, 2)}\n`);
  writeFileSync(join(dir, 'RESULTS.md'), resultsMarkdown(r));
  if (r.growth) writeFileSync(join(dir, 'growth.svg'), growthSvg(r.growth));
}
