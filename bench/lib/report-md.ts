/**
 * The `RESULTS.md` text: every goal row against its figure, the growth table and plot, and what
 * each number includes. Written from a {@link BenchRun}; rows of sections a run did not measure
 * (older results files) are left out.
 */
import type { CpuPerStart } from '../sections/api-start';
import type { GrowthResult } from '../sections/growth';
import type { SwarmResult } from '../sections/swarm';
import { GOALS, type BenchRun } from './report';

const ok = (pass: boolean) => (pass ? 'met' : '**missed**');
const spread = (s: { p10: number; p90: number }, unit = '') => `p10–p90 ${s.p10}–${s.p90}${unit}`;
const kib = (b: number) => `${Math.round(b / 1024)} KiB`;

/** The swarm rows of the goals table (none for results recorded before the section existed). */
function swarmRows(w: SwarmResult | undefined): string[] {
  if (!w) return [];
  return [
    `| Swarm: ${w.agents} \`phase agent\` processes over ${w.tasks} tasks | 0 duplicates | **${w.duplicates} duplicates**, ${w.missing} missing, **${w.tasksPerSecond} tasks/s** (${w.swarmSeconds} s) | — | ${ok(w.duplicates === GOALS.swarmDuplicates && w.missing === 0)} |`,
    `| Claim next (\`POST /api/agents/:agent/claim\`) with ${w.openRuns} open runs | p99 ≤ 100 ms | p50 **${w.claimMs.median} ms**, p99 **${w.claimMs.p99} ms** | ${spread(w.claimMs, ' ms')}; max ${w.claimMs.max} ms | ${ok(w.claimMs.p99 <= GOALS.swarmClaimP99Ms)} |`,
    `| \`GET /api/agents/:agent/tasks\` with ${w.openRuns} open runs | ≤ 100 ms | **${w.listMs.median} ms** (first page, ${w.listPageSize} runs${w.listHasMore ? ', says there is more' : ''}) | ${spread(w.listMs, ' ms')} | ${ok(w.listMs.median <= GOALS.swarmListMs)} |`,
  ];
}

function engineRows(r: BenchRun): string[] {
  const o = r.overhead;
  const c = r.overheadConcurrent;
  const d = r.decision;
  const a = r.apiStart;
  return [
    `| Engine overhead: 20-step DAG, ${o.runsPerSide} runs each, one at a time | ≤ 1.15× | **${o.ratio}×** (median of ${o.roundRatios.n} paired rounds; runs: phase ${o.phaseMs.median} vs baseline ${o.baselineMs.median} ms) | per-round ratio ${o.roundRatios.min}–${o.roundRatios.max}; phase ${spread(o.phaseMs, ' ms')} | ${ok(o.ratio <= GOALS.overheadRatio)} |`,
    `| Engine overhead, ${c.runsPerBatch} runs at once (extra: CPU-bound) | (1.15×) | ${c.ratio}× (batches: phase ${c.phaseBatchMs.median} vs baseline ${c.baselineBatchMs.median} ms) | per-round ratio ${c.roundRatios.min}–${c.roundRatios.max} | ${c.ratio <= GOALS.overheadRatio ? 'within' : 'above'} 1.15 |`,
    `| Decision → dependent step started (from the response), ${d.decisions} decisions | p99 ≤ 100 ms | p50 **${d.activityStarted.median} ms**, p99 **${d.activityStarted.p99} ms** | max ${d.activityStarted.max} ms | ${ok(d.activityStarted.p99 <= GOALS.decisionP99Ms)} |`,
    `| Decision → dependent step started, **from the request** (\`decisionLatencyMs.fromRequest\`) | p99 ≤ 50 ms | p50 **${d.activityStartedFromRequest.median} ms**, p99 **${d.activityStartedFromRequest.p99} ms** | HTTP+Update round trip p50 ${d.httpRoundTrip.median} / p99 ${d.httpRoundTrip.p99} ms | ${ok(d.activityStartedFromRequest.p99 <= GOALS.decisionFromRequestP99Ms)} |`,
    `| API start rate vs \`client.workflow.start\` (\`apiStartRatio\`) | ≥ 0.8× | **${a.ratio}×** (median of ${a.roundRatios.n} paired rounds; ${a.apiPerSec.median} vs ${a.directPerSec.median} starts/s) | per-round ratio ${spread(a.roundRatios)}, min–max ${a.roundRatios.min}–${a.roundRatios.max}; CPU ms per start: ${cpuLine(a.cpuMsPerStart)} | ${ok(a.ratio >= GOALS.apiStartRatio)} |`,
    ...batchStartRow(a),
  ];
}

/** The `POST /api/runs/batch` side of `apiStart` (absent in results from before the route). */
function batchStartRow(a: BenchRun['apiStart']): string[] {
  const b = a.batch;
  if (!b) return [];
  const c = a.cpuMsPerStart.batch;
  return [
    `| API start rate through \`POST /api/runs/batch\`, ${b.runsPerRequest} runs per request (\`apiStartBatchRatio\`) | (≥ 0.8×) | **${b.ratio}×** (${b.perSec.median} vs ${a.directPerSec.median} starts/s) | per-round ratio ${spread(b.roundRatios)}; request p50 ${b.requestMs.median} ms; CPU ms per start: ${c ? side(c) : '—'} | ${ok(b.ratio >= GOALS.apiStartRatio)} |`,
  ];
}

const side = (x: CpuPerStart) =>
  `${x.bench} (bench) + ${x.api} (API)${x.server === undefined ? '' : ` + ${x.server} (server)`} = ${x.total}`;

/** `via API 1.2 (bench) + 2.3 (API) + 3.4 (server) = 6.9, direct …`: where each side's CPU goes. */
function cpuLine(c: BenchRun['apiStart']['cpuMsPerStart'] | undefined): string {
  if (!c) return '—';
  return `via API ${side(c.api)}, direct ${side(c.direct)}`;
}

/** The baseline's RSS of parked row `i`, saying how many runs it had parked when fewer than the row's. */
function baselineRss(p: GrowthResult['parked'][number], i: number, parked: BenchRun['parked'] | undefined): string {
  if (p.baselineRssMiB === null) return '—';
  const runs = p.baselineRuns ?? parked?.baselineStages[i]?.runs; // results from before baselineRuns
  return runs !== undefined && runs !== p.runs ? `${p.baselineRssMiB} (at ${runs} runs)` : String(p.baselineRssMiB);
}

function scaleRows(r: BenchRun): string[] {
  const out: string[] = [];
  const s = r.statusReads;
  if (s)
    out.push(
      `| \`statusReads\`: ${s.concurrency} concurrent \`GET /api/runs/:id\` of one run, ${s.rounds} rounds | p99 ≤ 500 ms, all 200 | p50 **${s.latencyMs.median} ms**, p99 **${s.latencyMs.p99} ms**; ${s.ok}/${s.sent} answered 200 | answers ≤ ${s.ageMs.max} ms old (\`statusAgeMs\`) | ${ok(s.latencyMs.p99 <= GOALS.statusReadsP99Ms && s.ok === s.sent)} |`,
    );
  const p = r.parked;
  const last = p.stages?.[p.stages.length - 1];
  if (last) {
    const base = p.baselineStages?.[p.baselineStages.length - 1];
    out.push(
      `| \`parked\`: ${p.runs} runs at a gate, worker RSS (cache ${p.cachedRuns} runs) | ${GOALS.parkedRuns} runs, ≤ 1024 MiB | **${last.rss.rssMiB} MiB** (peak ${last.rss.peakMiB}; idle ${p.workerIdleRss.rssMiB})${base ? `; baseline ${base.rss.rssMiB} MiB` : ''}${p.stoppedEarly ? `; ${p.stoppedEarly}` : ''} | parked in ${last.parkSeconds} s | ${ok(p.runs >= GOALS.parkedRuns && last.rss.peakMiB <= GOALS.workerRssMiB)} |`,
    );
    out.push(
      `| \`GET /api/runs?awaitingApproval=true\` with ${p.runs} parked (\`listMs\`) | ≤ 50 ms | **${p.listMs.median} ms** (first page, ${p.listPageSize} runs) | ${spread(p.listMs, ' ms')}; pageSize=200: ${p.listFullPageMs.median} ms | ${ok(p.listMs.median <= GOALS.parkedListMs)} |`,
    );
    out.push(
      `| Decision on a run evicted from the worker cache (\`evictedDecisionMs\`) | p99 ≤ 250 ms | p50 **${p.evictedDecisionMs.median} ms**, p99 **${p.evictedDecisionMs.p99} ms** (${p.evictedDecisionMs.n} decisions) | cached runs: p50 ${p.cachedDecisionMs.median}, p99 ${p.cachedDecisionMs.p99} ms | ${ok(p.evictedDecisionMs.n > 0 && p.evictedDecisionMs.p99 <= GOALS.evictedDecisionP99Ms)} |`,
    );
  }
  const b = r.bigPlan;
  out.push(
    `| ${b.steps}-step plan (${b.chains} chains) | completes, far below 51,200 events | **${b.outcome}**, ${b.historyEvents} events, **${b.seconds} s** (baseline ${b.baseline.seconds} s) | history ${kib(b.historyBytes ?? 0)}; replay ${b.replaySeconds} s (baseline ${b.baseline.replaySeconds} s) | ${ok(b.outcome === 'succeeded' && b.historyEvents < GOALS.historyEventLimit / 4)} |`,
  );
  if (b.api)
    out.push(
      `| \`bigPlan.statusBytes\`: \`GET /api/runs/:id\` of that run | ≤ 512 KiB, every step readable | **${kib(b.statusBytes)}** (first of ${b.api.pages} pages; largest ${kib(b.api.largestPageBytes)}); ${b.api.stepsRead} of ${b.steps} steps read through the pages | whole \`status\` query: ${kib(b.wholeStatusBytes)} | ${ok(b.statusBytes <= GOALS.statusBytes && b.api.largestPageBytes <= GOALS.statusBytes && b.api.stepsRead === b.steps)} |`,
    );
  return out;
}

function clusterRows(r: BenchRun): string[] {
  const c = r.cluster;
  if (!c)
    return [
      '| `cluster`: overhead and decision on the PostgreSQL cluster | ratio to dev server | not measured in this results file (`npm run bench -- --cluster`) | — | — |',
    ];
  const d = c.decision.activityStartedFromRequest;
  const dev = r.decision.activityStartedFromRequest;
  return [
    `| \`cluster\`: engine overhead on the PostgreSQL cluster (${c.date.slice(0, 16)}) | ratio to dev server | **${c.overhead.ratio}×** vs baseline there; a phase run takes ${c.overhead.phaseMs.median} ms there vs ${r.overhead.phaseMs.median} ms on the dev server (${Math.round((c.overhead.phaseMs.median / r.overhead.phaseMs.median) * 100) / 100}×) | — | — |`,
    `| \`cluster\`: decision from the request | ratio to dev server | p50 **${d.median} ms**, p99 **${d.p99} ms** (dev server ${dev.median} / ${dev.p99} ms: ${Math.round((d.median / dev.median) * 100) / 100}× / ${Math.round((d.p99 / dev.p99) * 100) / 100}×) | — | — |`,
  ];
}

function growthTable(g: GrowthResult | undefined, parked?: BenchRun['parked']): string[] {
  if (!g) return [];
  return [
    '## Growth',
    '',
    '![growth: run time, history events, replay, status size by plan steps; worker RSS by parked runs; Phasegate vs bare Temporal](growth.svg)',
    '',
    '| steps | seconds (baseline) | history events (baseline) | replay s (baseline) | whole status | `GET /api/runs/:id` |',
    '|---:|---|---|---|---:|---:|',
    ...g.plans.map(
      (p) =>
        `| ${p.steps} | ${p.seconds} (${p.baselineSeconds}) | ${p.historyEvents} (${p.baselineHistoryEvents}) | ${p.replaySeconds} (${p.baselineReplaySeconds}) | ${kib(p.wholeStatusBytes)} | ${kib(p.apiStatusBytes)} |`,
    ),
    '',
    '| parked runs | worker RSS MiB | baseline worker RSS MiB |',
    '|---:|---:|---:|',
    ...g.parked.map((p, i) => `| ${p.runs} | ${p.workerRssMiB} | ${baselineRss(p, i, parked)} |`),
    '',
  ];
}

/** The `RESULTS.md` text. */
export function resultsMarkdown(r: BenchRun): string {
  const m = r.machine;
  const d = r.decision;
  const a = r.apiStart;
  return [
    '# Benchmark results (`npm run bench`)',
    '',
    `Generated by \`bench/run.ts\` on ${r.date}; whole run ${Math.round(r.wallSeconds)} s. Details and every sample summary: \`results.json\`. Profiles, experiments and what each figure means: [ANALYSIS.md](ANALYSIS.md).`,
    '',
    `- Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}. **Shared**: other engineers' test suites ran on it at the same time; 1-min load average at each section's start: ${Object.entries(
      r.load,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    `- Versions: Node ${m.node}, Temporal TypeScript SDK ${m.temporalSdk}, Temporal CLI ${m.temporalCli} (dev server, in-memory SQLite)${m.commit ? `, commit ${m.commit} plus uncommitted work` : ''}.`,
    "- Setup: one dev server; one in-process worker (`createPhaseWorker` defaults) whose bundle holds Phasegate's workflows and the hand-written baselines; the API is `client/api/server.ts` in its own process; parked runs on worker processes of their own; A/B batches interleaved, order flipped every round; warm-ups not counted.",
    '',
    '## Figures against the goals',
    '',
    '| what | goal | result | spread / context | verdict |',
    '|---|---|---|---|---|',
    ...engineRows(r),
    ...scaleRows(r),
    ...clusterRows(r),
    ...swarmRows(r.swarm),
    '',
    ...growthTable(r.growth, r.parked),
    '## What each number includes',
    '',
    `- **Decision latency**: from the \`POST /api/runs/:id/decisions\` request (or its response) to the \`ActivityTaskStarted\` time of the dependent step (server clock, same machine). The vote and the scheduling of the dependent step happen in one workflow task, before the Update's response is sent. Also measured: until a status query first shows the step running (p50 ${d.queryObserved.median} / p99 ${d.queryObserved.p99} ms).`,
    `- **API start rate**: ${a.startsPerBatch} starts per batch, ${a.concurrency} in flight, ${a.apiPerSec.n} batches per side, on a task queue with no worker (only the start is measured); API \`POST /api/runs {plan: "<bundled id>"}\` vs \`startRun\` in the bench process${a.batch ? `, and a third side through \`POST /api/runs/batch\` (${a.batch.runsPerRequest} runs per request, one request in flight, which the API starts ${a.concurrency} at a time)` : ''}; the three sides take turns, the order changing every round. Per-start latency: API p50 ${a.apiLatencyMs.median} ms, direct ${a.directLatencyMs.median} ms.`,
    '- **statusReads**: a run parked at its gate; each round sends all reads at once, 300 ms apart (past the 250 ms reuse window, so every round starts with a fresh query).',
    '- **Parked runs**: worker processes of their own (`bench/lib/worker-process.ts`: `createPhaseWorker`, the deployed settings), VmRSS/VmHWM from `/proc` 3 s after the last run of a stage was visible as parked; the baseline is `baselineParkedWorkflow` (one activity, then a signal wait) on an identical process. Decisions go through the API, one at a time, to the 30 runs parked first (evicted: the cache keeps the most recently used) and to the 30 newest parked runs (still cached). Parking goes in chunks of 500 that park before the next starts, within a time budget per side; the parked runs are left in place (the dev server is thrown away).',
    '- **Big plan and growth**: wall time from start to result; events and bytes from describe; replay = `Worker.runReplayHistory` of the finished history in the bench process (what a worker restart or cache eviction costs); status bytes as JSON text: the whole `status` query, and what `GET /api/runs/:id` serves.',
    '',
  ].join('\n');
}
