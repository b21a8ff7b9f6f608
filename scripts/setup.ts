/** `npm run setup`: provide the pinned Temporal CLI (see temporal-cli.ts). Exits 1 with advice when impossible. */
import { ensureTemporalCli } from './temporal-cli';

try {
  ensureTemporalCli((msg) => console.log(`[setup] ${msg}`));
} catch (err) {
  console.error(`[setup] ${(err as Error).message}`);
  process.exit(1);
}
