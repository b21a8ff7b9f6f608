/**
 * `npm run bench`: the benchmark of issue 7. One dev server, one worker, the API process; each
 * section in turn; writes `bench/results.json` and `bench/RESULTS.md`. A measurement, never a
 * test: nothing here fails on a missed goal. Takes 3–5 minutes on 2 cores.
 */
import { createHarness } from './lib/harness';
import { load1, machineInfo } from './lib/machine';
import { dagPlan, decisionPlan, parkedPlan, startPlan } from './lib/plans';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsMarkdown, runFromJson, writeReports, type BenchRun } from './lib/report';
import { benchApiStart } from './sections/api-start';
import { benchBigPlan } from './sections/big-plan';
import { benchDecision } from './sections/decision';
import { benchOverhead, benchOverheadConcurrent } from './sections/overhead';
import { benchParked } from './sections/parked';

/** Logs progress to stderr so stdout stays clean. */
function say(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function main(): Promise<void> {
  // `--report-only`: rewrite RESULTS.md from the last results.json (after editing the wording).
  if (process.argv.includes('--report-only')) {
    const run = runFromJson(JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8')));
    writeFileSync(join(__dirname, 'RESULTS.md'), resultsMarkdown(run));
    return;
  }
  const t0 = performance.now();
  const date = new Date().toISOString();
  const machine = machineInfo();
  const load: Record<string, number> = {};
  say(`starting dev server, worker and API (load ${load1()})`);
  const h = await createHarness([dagPlan(), decisionPlan(), parkedPlan(), startPlan()]);
  // Each section is timed and logged; `load` records how busy the (possibly shared) machine was.
  async function section<T>(name: string, fn: () => Promise<T>): Promise<T> {
    load[name] = load1();
    const s = performance.now();
    say(`${name}…`);
    const out = await fn();
    say(`${name} done in ${Math.round((performance.now() - s) / 1000)} s`);
    return out;
  }
  try {
    const overhead = await section('overhead', () => benchOverhead(h));
    const overheadConcurrent = await section('overheadConcurrent', () => benchOverheadConcurrent(h));
    const decision = await section('decision', () => benchDecision(h));
    const parked = await section('parked', () => benchParked(h));
    const bigPlan = await section('bigPlan', () => benchBigPlan(h));
    // Last: it leaves ~1,300 never-run workflows on a worker-less queue.
    const apiStart = await section('apiStart', () => benchApiStart(h));
    const run: BenchRun = { date, wallSeconds: 0, machine, load, overhead, overheadConcurrent, decision, apiStart, parked, bigPlan };
    run.wallSeconds = Math.round((performance.now() - t0) / 1000);
    writeReports(__dirname, run);
    say(`wrote bench/results.json and bench/RESULTS.md (${run.wallSeconds} s)`);
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
