/**
 * `npm run bench`: the benchmark (issues 7 and 17). One dev server, one worker, the API process;
 * each section in turn; writes `bench/results.json`, `bench/RESULTS.md` and `bench/growth.svg`.
 * A measurement, never a test: nothing here fails on a missed goal. Takes ≈ 10–14 minutes on
 * 2 cores (the 5,000 parked runs are most of it).
 *
 * - `--only a,b`: run those sections alone and merge them into the last results.json;
 * - `--cluster`: run the overhead and decision sections against the PostgreSQL-backed cluster
 *   (`npm run cluster:up` first) and merge them into results.json as `cluster`, with their ratio
 *   to the dev-server figures;
 * - `--report-only`: rewrite RESULTS.md and growth.svg from the last results.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterSettings, frontendAddress } from '../scripts/cluster/config';
import { createHarness, type Harness } from './lib/harness';
import { load1, machineInfo } from './lib/machine';
import { dagPlan, decisionPlan, parkedPlan, startPlan } from './lib/plans';
import { runFromJson, writeReports, type BenchRun } from './lib/report';
import { benchApiStart } from './sections/api-start';
import { benchBigPlan } from './sections/big-plan';
import { benchDecision } from './sections/decision';
import { benchGrowth } from './sections/growth';
import { benchOverhead, benchOverheadConcurrent } from './sections/overhead';
import { benchParked } from './sections/parked';
import { benchStatusReads } from './sections/status-reads';
import { benchSwarm } from './sections/swarm';

/** Logs progress to stderr so stdout stays clean. */
function say(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Section names in the order a full run takes them (apiStart late: it leaves never-run workflows behind). */
const ORDER = [
  'overhead',
  'overheadConcurrent',
  'decision',
  'statusReads',
  'bigPlan',
  'parked',
  'growth',
  'apiStart',
  'swarm',
] as const;
type SectionName = (typeof ORDER)[number];

function previousRun(): BenchRun {
  return runFromJson(JSON.parse(readFileSync(join(__dirname, 'results.json'), 'utf8')));
}

function argAfter(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** Runs the named sections on `h`, in {@link ORDER}; `run` collects what they measured. */
async function runSections(
  h: Harness,
  names: readonly SectionName[],
  run: Partial<BenchRun>,
  load: Record<string, number>,
): Promise<void> {
  // Each section is timed and logged; `load` records how busy the (shared) machine was.
  async function section<T>(name: string, fn: () => Promise<T>): Promise<T> {
    load[name] = load1();
    const s = performance.now();
    say(`${name}… (load ${load[name]})`);
    const out = await fn();
    say(`${name} done in ${Math.round((performance.now() - s) / 1000)} s`);
    return out;
  }
  const fns: Record<SectionName, () => Promise<void>> = {
    overhead: async () => void (run.overhead = await section('overhead', () => benchOverhead(h))),
    overheadConcurrent: async () =>
      void (run.overheadConcurrent = await section('overheadConcurrent', () => benchOverheadConcurrent(h))),
    decision: async () => void (run.decision = await section('decision', () => benchDecision(h))),
    statusReads: async () => void (run.statusReads = await section('statusReads', () => benchStatusReads(h))),
    bigPlan: async () => void (run.bigPlan = await section('bigPlan', () => benchBigPlan(h))),
    // BENCH_PARKED_BUDGET_S: a longer parking budget for a separate `--only parked` measurement.
    parked: async () =>
      void (run.parked = await section('parked', () =>
        process.env.BENCH_PARKED_BUDGET_S
          ? benchParked(
              h,
              Number(process.env.BENCH_PARKED_BUDGET_S) * 1000,
              Number(process.env.BENCH_PARKED_BUDGET_S) * 1000,
            )
          : benchParked(h),
      )),
    growth: async () => void (run.growth = await section('growth', () => benchGrowth(h, run.bigPlan, run.parked))),
    apiStart: async () => void (run.apiStart = await section('apiStart', () => benchApiStart(h))),
    // Optional in the report: a failure here is recorded and the figures measured so far are kept.
    swarm: async () => {
      try {
        run.swarm = await section('swarm', () => benchSwarm(h));
      } catch (err) {
        say(`swarm failed, left out of the results: ${(err as Error).message}`);
      }
    },
  };
  for (const name of ORDER) if (names.includes(name)) await fns[name]();
}

async function main(): Promise<void> {
  if (process.argv.includes('--report-only')) {
    writeReports(__dirname, previousRun());
    return;
  }
  const cluster = process.argv.includes('--cluster');
  const only = argAfter('--only')?.split(',') as SectionName[] | undefined;
  for (const name of only ?? [])
    if (!ORDER.includes(name)) throw new Error(`--only: unknown section "${name}" (known: ${ORDER.join(', ')})`);
  const t0 = performance.now();
  const load: Record<string, number> = {};
  const address = cluster ? frontendAddress(clusterSettings()) : undefined;
  say(`starting ${address ? `against the cluster at ${address}` : 'dev server'}, worker and API (load ${load1()})`);
  const h = await createHarness([dagPlan(), decisionPlan(), parkedPlan(), startPlan()], address ? { address } : {});
  try {
    if (cluster) {
      const got: Partial<BenchRun> = {};
      await runSections(h, ['overhead', 'decision'], got, load);
      const previous = previousRun();
      writeReports(__dirname, {
        ...previous,
        cluster: {
          date: new Date().toISOString(),
          address: address as string,
          load,
          overhead: got.overhead as BenchRun['overhead'],
          decision: got.decision as BenchRun['decision'],
        },
      });
      say('merged the cluster figures into bench/results.json and bench/RESULTS.md');
      return;
    }
    if (only) {
      const previous = previousRun();
      const got: Partial<BenchRun> = { bigPlan: previous.bigPlan, parked: previous.parked };
      await runSections(h, only, got, load);
      writeReports(__dirname, { ...previous, ...got, load: { ...previous.load, ...load } });
      say(`merged ${only.join(', ')} into bench/results.json and bench/RESULTS.md`);
      return;
    }
    const run: Partial<BenchRun> = { date: new Date().toISOString(), machine: machineInfo(), load };
    await runSections(h, ORDER, run, load);
    // The cluster figures are their own command (`--cluster`): keep the last ones, with their date.
    const lastCluster = existsSync(join(__dirname, 'results.json')) ? previousRun().cluster : undefined;
    if (lastCluster) run.cluster = lastCluster;
    run.wallSeconds = Math.round((performance.now() - t0) / 1000);
    writeReports(__dirname, run as BenchRun);
    say(`wrote bench/results.json, bench/RESULTS.md and bench/growth.svg (${run.wallSeconds} s)`);
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
