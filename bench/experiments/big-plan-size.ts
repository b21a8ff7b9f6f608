/**
 * Experiment (not part of `npm run bench`): the big-plan section at another size, e.g. past the
 * point where the run's status outgrows Temporal's 2 MB payload limit.
 * Run: `CHAINS=35 LENGTH=100 npx tsx bench/experiments/big-plan-size.ts` (3,500 steps).
 */
import { createHarness } from '../lib/harness';
import { benchBigPlan } from '../sections/big-plan';

async function main(): Promise<void> {
  const chains = Number(process.env.CHAINS ?? 35);
  const length = Number(process.env.LENGTH ?? 100);
  const h = await createHarness([]);
  try {
    const r = await benchBigPlan(h, chains, length);
    console.log(JSON.stringify(r, null, 1));
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
