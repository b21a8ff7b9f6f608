/**
 * `npm run screenshots`: regenerates `docs/screenshots/*.png` (Temporal UI workflow page and
 * filtered runs list, approvals page on a laptop and a phone, run page after go and after a
 * rollback). It runs the browser tests with `PHASEGATE_SCREENSHOTS` set, so every picture shows a
 * state the tests have just verified, and a screenshot cannot drift from what the suite checks.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium } from './setup-browser';
import { PROJECT_ROOT } from './temporal-cli';

/** Where the pictures go. */
export const SCREENSHOTS_DIR = join(PROJECT_ROOT, 'docs', 'screenshots');

function main(): void {
  ensureChromium();
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const started = Date.now();
  const testsDir = join(PROJECT_ROOT, 'test', 'browser');
  const files = readdirSync(testsDir)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(testsDir, f));
  console.log(`Running ${files.length} browser test files to take the screenshots into ${SCREENSHOTS_DIR} ...`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: { ...process.env, PHASEGATE_SCREENSHOTS: SCREENSHOTS_DIR },
  });
  const fresh = readdirSync(SCREENSHOTS_DIR)
    .filter((f) => f.endsWith('.png') && statSync(join(SCREENSHOTS_DIR, f)).mtimeMs >= started)
    .sort();
  console.log(`\nScreenshots written (${fresh.length}):\n${fresh.map((f) => `  docs/screenshots/${f}`).join('\n')}`);
  if (result.status !== 0) {
    console.error('Some browser tests failed: the screenshots above may be incomplete.');
    process.exit(result.status ?? 1);
  }
}

if (require.main === module) main();
