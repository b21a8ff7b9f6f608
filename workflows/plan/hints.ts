/**
 * Human wording for plan problems: "did you mean" for misspelt keys and values, and plain
 * sentences instead of the schema library's messages. Pure string helpers (no zod), so the
 * validator, the CLI and the API all say the same thing.
 */

/** Keys people write for another key (from other tools' plan formats), checked before spelling. */
const ALIASES: Record<string, string> = {
  dependsOn: 'needs',
  depends_on: 'needs',
  dependencies: 'needs',
  depends: 'needs',
  requires: 'needs',
  after: 'needs',
  name: 'title',
  cmd: 'command',
  approver: 'approvers',
  maxParallelism: 'maxParallel',
  concurrency: 'maxParallel',
  parallelism: 'maxParallel',
  retries: 'retry',
  executor: 'run',
  task: 'run',
  check: 'checks',
};

/** Edit distance (insert, delete, substitute, swap two neighbours: optimal string alignment), for short identifiers. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The allowed word closest to `word`: an alias (`dependsOn` → `needs`), a case-insensitive match,
 * or one within an edit distance of a third of its length (at least 1, at most 3). `undefined`
 * when nothing is close enough to be a helpful guess.
 */
export function closest(word: string, allowed: readonly string[]): string | undefined {
  const alias = ALIASES[word];
  if (alias && allowed.includes(alias)) return alias;
  const lower = word.toLowerCase();
  const sameCase = allowed.find((a) => a.toLowerCase() === lower);
  if (sameCase) return sameCase;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const a of allowed) {
    const d = editDistance(lower, a.toLowerCase());
    if (d < bestDistance) {
      best = a;
      bestDistance = d;
    }
  }
  return best;
}

/** `unknown key "metric": did you mean "metrics"?` (or the list of allowed keys when nothing is close). */
export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const guess = closest(key, allowed);
  if (guess) return `unknown key "${key}": did you mean "${guess}"?`;
  return allowed.length ? `unknown key "${key}": allowed here are ${allowed.join(', ')}` : `unknown key "${key}"`;
}

/** `unknown kind "simulat": did you mean "simulate"? (one of shell, http, agent, simulate)` */
export function unknownValueMessage(what: string, value: unknown, allowed: readonly string[]): string {
  const shown = typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
  const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
  const list = allowed.join(', ');
  if (value === undefined) return `${what} is required: one of ${list}`;
  return guess
    ? `unknown ${what} ${shown}: did you mean "${guess}"? (one of ${list})`
    : `unknown ${what} ${shown}: use one of ${list}`;
}

const TYPE_NAMES: Record<string, string> = {
  array: 'a list',
  object: 'a mapping (key: value)',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  record: 'a mapping (key: value)',
};

/** A human name for a schema type: `array` → "a list". */
export function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** A human name for a value's type, as found in a plan. */
export function valueTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`;
}

/** "is required (a list)" / "must be a list, not the number 5". */
export function wrongTypeMessage(expected: string, input: unknown): string {
  if (input === undefined) return `is required (${typeName(expected)})`;
  return `must be ${typeName(expected)}, not ${valueTypeName(input)}`;
}

/** "needs at least 1 item" / "must not be empty" / "must be at least 1". */
export function tooSmallMessage(origin: string, minimum: number | bigint, inclusive: boolean): string {
  const n = Number(minimum) + (inclusive ? 0 : 1);
  if (origin === 'array' || origin === 'set')
    return n === 1 ? 'must not be empty: it needs at least one item' : `needs at least ${n} items`;
  if (origin === 'string') return n === 1 ? 'must not be empty' : `must be at least ${n} characters long`;
  return `must be at least ${n}`;
}

/** "has at most 2000 items" / "must be at most 1000". */
export function tooBigMessage(origin: string, maximum: number | bigint, inclusive: boolean): string {
  const n = Number(maximum) - (inclusive ? 0 : 1);
  if (origin === 'array' || origin === 'set') return `may have at most ${n} items`;
  if (origin === 'string') return `may be at most ${n} characters long`;
  return `must be at most ${n}`;
}
