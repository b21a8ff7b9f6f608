/**
 * `npm run setup`: provide the pinned Temporal CLI (see temporal-cli.ts) and the time-skipping test
 * server the timer tests use (see temporal-test-server.ts). Exits 1 with advice when impossible.
 */
import { ensureTemporalCli } from './temporal-cli';
import { ensureTestServer } from './temporal-test-server';

try {
  const log = (msg: string) => console.log(`[setup] ${msg}`);
  ensureTemporalCli(log);
  log(`time-skipping test server ready: ${ensureTestServer(log)}`);
} catch (err) {
  console.error(`[setup] ${(err as Error).message}`);
  process.exit(1);
}
