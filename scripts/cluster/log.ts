/**
 * Output of the cluster scripts: one `[cluster]` line per action, and every step timed, because
 * the first `cluster:up` builds Go programs for minutes and a user should see where time goes.
 */

/** Prints one line prefixed `[cluster]`. */
export function log(msg: string): void {
  console.log(`[cluster] ${msg}`);
}

/** Seconds since `start` (a `Date.now()`), one decimal. */
export function secondsSince(start: number): string {
  return `${((Date.now() - start) / 1000).toFixed(1)}s`;
}

/** Durations of the steps run so far, in order, for the closing summary. */
export const timings: Array<{ step: string; seconds: number }> = [];

/** Runs one named step, logging its start and how long it took (also when it fails). */
export async function step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const start = Date.now();
  log(`${name} ...`);
  try {
    const result = await fn();
    log(`${name}: done in ${secondsSince(start)}`);
    return result;
  } catch (err) {
    log(`${name}: FAILED after ${secondsSince(start)}`);
    throw err;
  } finally {
    timings.push({ step: name, seconds: (Date.now() - start) / 1000 });
  }
}
