/**
 * Readiness and namespace setup through the pinned Temporal CLI: waits for the frontend, registers
 * the namespace and Phasegate's search attributes (only what is missing, so it is idempotent), and
 * waits until both are usable, so a test started right after `cluster:up` does not race the
 * server's namespace cache.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Log = (msg: string) => void;

/** SDK search attribute types (`KEYWORD_LIST`) as the CLI spells them (`KeywordList`). */
export const CLI_SEARCH_ATTRIBUTE_TYPE: Record<string, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

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
export async function waitForHealth(bin: string, address: string, timeoutMs: number, check?: () => void): Promise<void> {
  await poll(`the Temporal frontend on ${address}`, timeoutMs, async () => (await cli(bin, ['operator', 'cluster', 'health', '--address', address, '--command-timeout', '3s'], 5_000)).includes('SERVING'), check);
}

/** Creates `namespace` unless it exists, then waits until the frontend serves it. */
export async function ensureNamespace(bin: string, address: string, namespace: string, log: Log): Promise<void> {
  const describe = () => cli(bin, ['operator', 'namespace', 'describe', '--address', address, '--namespace', namespace]).then(() => true);
  if (!(await describe().catch(() => false))) {
    log(`creating namespace ${namespace} (retention 7 days)`);
    await cli(bin, ['operator', 'namespace', 'create', '--address', address, '--namespace', namespace, '--retention', '7d']);
  }
  // Listing workflows goes through the namespace cache (refreshed every 2s by our dynamic config).
  await poll(`namespace ${namespace} to be served`, 60_000, () => cli(bin, ['workflow', 'list', '--address', address, '--namespace', namespace, '--limit', '1']).then(() => true));
}

/** Custom search attribute names on the namespace (CLI 1.5 JSON: `{customAttributes: {name: type}, systemAttributes}`). */
async function customSearchAttributes(bin: string, address: string, namespace: string): Promise<Set<string>> {
  const out = JSON.parse(await cli(bin, ['operator', 'search-attribute', 'list', '--address', address, '--namespace', namespace, '--output', 'json'])) as { customAttributes?: Record<string, string> };
  return new Set(Object.keys(out.customAttributes ?? {}));
}

/** Registers every Phasegate search attribute that is missing on the namespace, and checks they all are there. */
export async function ensureSearchAttributes(bin: string, address: string, namespace: string, log: Log): Promise<void> {
  const present = await customSearchAttributes(bin, address, namespace);
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    if (present.has(key.name)) continue;
    const type = CLI_SEARCH_ATTRIBUTE_TYPE[key.type];
    if (!type) throw new Error(`no CLI type for search attribute ${key.name} (${key.type})`);
    log(`registering search attribute ${key.name} (${type})`);
    await cli(bin, ['operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace, '--name', key.name, '--type', type]);
  }
  const after = await customSearchAttributes(bin, address, namespace);
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !after.has(k.name)).map((k) => k.name);
  if (missing.length > 0) throw new Error(`search attributes still missing on ${namespace}: ${missing.join(', ')}`);
}
