/**
 * Entry point of the `phase` CLI (`bin/phase.js` requires this file; `npm run phase -- …` runs
 * it with tsx). Exits once stdout has been flushed, so piped JSON is never cut short.
 */
import { runCli } from './run';

void runCli(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err: unknown) => {
    console.error(`error: ${(err as Error).message}`);
    process.exit(4);
  },
);
