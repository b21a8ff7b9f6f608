/**
 * Registering Phasegate's search attributes on a namespace with the `temporal` CLI: used by
 * `npm start` (on a server it did not start) and by the PostgreSQL cluster setup.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ALL_SEARCH_ATTRIBUTES, CLI_SEARCH_ATTRIBUTE_TYPE } from '../workflows/search-attributes';

const execFileAsync = promisify(execFile);

async function cli(bin: string, args: readonly string[], timeoutMs = 15_000): Promise<string> {
  const { stdout } = await execFileAsync(bin, [...args], { timeout: timeoutMs });
  return stdout;
}

/** Custom search attribute names on the namespace (CLI 1.5 JSON: `{customAttributes: {name: type}, systemAttributes}`). */
async function customSearchAttributes(bin: string, address: string, namespace: string): Promise<Set<string>> {
  const out = JSON.parse(
    await cli(bin, [
      'operator',
      'search-attribute',
      'list',
      '--address',
      address,
      '--namespace',
      namespace,
      '--output',
      'json',
    ]),
  ) as { customAttributes?: Record<string, string> };
  return new Set(Object.keys(out.customAttributes ?? {}));
}

/** Registers every Phasegate search attribute that is missing on the namespace, and checks they all are there. */
export async function ensureSearchAttributes(
  bin: string,
  address: string,
  namespace: string,
  log: (msg: string) => void,
): Promise<void> {
  const present = await customSearchAttributes(bin, address, namespace);
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    if (present.has(key.name)) continue;
    const type = CLI_SEARCH_ATTRIBUTE_TYPE[key.type];
    if (!type) throw new Error(`no CLI type for search attribute ${key.name} (${key.type})`);
    log(`registering search attribute ${key.name} (${type})`);
    await cli(bin, [
      'operator',
      'search-attribute',
      'create',
      '--address',
      address,
      '--namespace',
      namespace,
      '--name',
      key.name,
      '--type',
      type,
    ]);
  }
  const after = await customSearchAttributes(bin, address, namespace);
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !after.has(k.name)).map((k) => k.name);
  if (missing.length > 0) throw new Error(`search attributes still missing on ${namespace}: ${missing.join(', ')}`);
}
