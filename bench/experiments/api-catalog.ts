/**
 * Experiment (not part of `npm run bench`): where the API's start overhead goes. Measures the
 * start-rate ratio (API / direct `startRun`) for API variants, each interleaved with direct
 * batches on one dev server:
 * - `server.ts`: the real API process (plans folder re-read and re-validated on every request);
 * - `cached-catalog`: the same app with the catalog read once;
 * - both again with `LOG_LEVEL=warn` (no per-request log line);
 * - `server.ts` with the repository's own `plans/` folder (10 plans) instead of the 4 bench plans.
 * Run: `npx tsx bench/experiments/api-catalog.ts`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRun } from '../../client/runs';
import { BUNDLED_PLANS_DIR } from '../../client/plans';
import { createTestEnv } from '../../test/helpers/temporal';
import { freePort } from '../../test/helpers/processes';
import { api } from '../lib/harness';
import { dagPlan, decisionPlan, parkedPlan, startPlan } from '../lib/plans';
import { delay, mapLimit, round, summarize } from '../lib/stats';

const ROOT = join(__dirname, '..', '..');

interface Variant {
  name: string;
  entry: string;
  env: Record<string, string>;
  plan: string;
}

async function main(): Promise<void> {
  const env = await createTestEnv();
  const sink = `exp-sink-${randomUUID()}`;
  const benchPlans = mkdtempSync(join(tmpdir(), 'phasegate-exp-plans-'));
  for (const p of [dagPlan(), decisionPlan(), parkedPlan(), startPlan()])
    writeFileSync(join(benchPlans, `${p.id}.json`), JSON.stringify(p));
  const real = join(ROOT, 'client', 'api', 'server.ts');
  const variant = join(__dirname, 'api-server-variant.ts');
  const variants: Variant[] = [
    { name: 'server.ts (info logs)', entry: real, env: { PHASEGATE_PLANS_DIR: benchPlans }, plan: 'bench-start' },
    {
      name: 'server.ts, LOG_LEVEL=warn',
      entry: real,
      env: { PHASEGATE_PLANS_DIR: benchPlans, LOG_LEVEL: 'warn' },
      plan: 'bench-start',
    },
    {
      name: 'cached catalog (info logs)',
      entry: variant,
      env: { PHASEGATE_PLANS_DIR: benchPlans, BENCH_API_VARIANT: 'cached-catalog' },
      plan: 'bench-start',
    },
    {
      name: 'cached catalog, LOG_LEVEL=warn',
      entry: variant,
      env: { PHASEGATE_PLANS_DIR: benchPlans, BENCH_API_VARIANT: 'cached-catalog', LOG_LEVEL: 'warn' },
      plan: 'bench-start',
    },
    {
      name: 'server.ts with repository plans/ (10 files)',
      entry: real,
      env: { PHASEGATE_PLANS_DIR: BUNDLED_PLANS_DIR },
      plan: 'demo-hello',
    },
  ];
  const plan = startPlan();
  try {
    for (const v of variants) {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', v.entry], {
        cwd: ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: env.address,
          TEMPORAL_TASK_QUEUE: sink,
          PORT: String(port),
          HOST: '127.0.0.1',
          PHASEGATE_TOKENS: '',
          ...v.env,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const base = `http://127.0.0.1:${port}`;
      for (;;) {
        try {
          if ((await fetch(`${base}/api/plans`)).status === 200) break;
        } catch {
          // not yet
        }
        await delay(200);
      }
      const rate = async (side: 'api' | 'direct', n: number) => {
        const t = performance.now();
        await mapLimit(
          Array.from({ length: n }, () => `exp-${randomUUID()}`),
          10,
          async (runId) => {
            if (side === 'api') {
              const r = await api(base, 'POST', '/api/runs', { plan: v.plan, runId });
              if (r.status !== 201) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
            } else {
              await startRun(env.client, plan, { taskQueue: sink, runId });
            }
          },
        );
        return n / ((performance.now() - t) / 1000);
      };
      await rate('api', 50);
      await rate('direct', 50);
      const ratios: number[] = [];
      for (let r = 0; r < 4; r++) {
        const a = r % 2 === 0 ? await rate('api', 100) : 0;
        const d = await rate('direct', 100);
        const a2 = r % 2 === 1 ? await rate('api', 100) : a;
        ratios.push(a2 / d);
      }
      console.log(
        `${v.name.padEnd(45)} ratio median ${round(summarize(ratios, 3).median, 3)} (min ${summarize(ratios, 3).min}, max ${summarize(ratios, 3).max})`,
      );
      child.kill('SIGTERM');
    }
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
