/**
 * The canonical form of a run status, which the report's receipt hashes: JSON with every object's
 * keys sorted (by UTF-16 code units, as `Array.prototype.sort` does), no whitespace, arrays in their
 * order, `undefined` members left out (as `JSON.stringify` does), numbers as JavaScript prints them.
 * Anyone holding the status JSON (`GET /api/runs/:runId`, `temporal workflow query --type status`)
 * can recompute it with any JSON library that sorts keys and prints compactly the way
 * `JSON.stringify` does (`phase report --verify` does it for you).
 */
import { createHash } from 'node:crypto';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** The canonical JSON text of `value` (see the module comment). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** Lower-case hex sha256 of the canonical JSON of `value`. */
export function canonicalSha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}
