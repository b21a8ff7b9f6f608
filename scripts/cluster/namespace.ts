/**
 * Readiness and namespace setup through the pinned Temporal CLI: waits for the frontend, registers
 * the namespace and Phasegate's search attributes (only what is missing, so it is idempotent), and
 * waits until both are usable, so a test started right after `cluster:up` does not race the
 * server's namespace cache.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
export { ensureSearchAttributes } from '../search-attributes';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Log = (msg: string) => void;

async function cli(bin: string, args: readonly string[], timeoutMs = 15_000): Promise<string> {
  const { stdout } = await execFileAsync(bin, [...args], { timeout: timeoutMs });
  return stdout;
}

/** Polls `fn` until it resolves true; throws naming `what` after `timeoutMs`. `check` may throw to stop early. */
async function poll(what: string, timeoutMs: number, fn: () => Promise<boolean>, check?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    check?.();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(500);
  }
}

/** Waits until `operator cluster health` says SERVING. `check` lets the caller fail fast when the server died. */
export async function waitForHealth(
  bin: string,
  address: string,
  timeoutMs: number,
  check?: () => void,
): Promise<void> {
  await poll(
    `the Temporal frontend on ${address}`,
    timeoutMs,
    async () =>
      (
        await cli(bin, ['operator', 'cluster', 'health', '--address', address, '--command-timeout', '3s'], 5_000)
      ).includes('SERVING'),
    check,
  );
}

/** Creates `namespace` unless it exists, then waits until the frontend serves it. */
export async function ensureNamespace(bin: string, address: string, namespace: string, log: Log): Promise<void> {
  const describe = () =>
    cli(bin, ['operator', 'namespace', 'describe', '--address', address, '--namespace', namespace]).then(() => true);
  if (!(await describe().catch(() => false))) {
    log(`creating namespace ${namespace} (retention 7 days)`);
    await cli(bin, [
      'operator',
      'namespace',
      'create',
      '--address',
      address,
      '--namespace',
      namespace,
      '--retention',
      '7d',
    ]);
  }
  // Listing workflows goes through the namespace cache (refreshed every 2s by our dynamic config).
  await poll(`namespace ${namespace} to be served`, 60_000, () =>
    cli(bin, ['workflow', 'list', '--address', address, '--namespace', namespace, '--limit', '1']).then(() => true),
  );
}
