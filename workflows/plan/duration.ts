/**
 * Plan durations: strings such as `500ms`, `30s`, `15m`, `6h`, `2d`, `1w`, or compounds like `1h30m`.
 * Pure, deterministic: used by the validator, the workflow and the clients alike.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;

/** A plan duration string. */
export type DurationString = string;

/** Longest duration a plan may name: 100 years (keeps every value finite and timer-safe). */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000;

function sum(text: string): number {
  let total = 0;
  for (const m of text.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return total;
}

/** True when `text` is a well-formed plan duration of at most {@link MAX_DURATION_MS}. */
export function isDuration(text: string): boolean {
  return WHOLE.test(text) && sum(text) <= MAX_DURATION_MS;
}

/**
 * Milliseconds in a plan duration. Throws a RangeError naming the text when it is malformed;
 * validated plans never do.
 */
export function parseDuration(text: DurationString): number {
  if (!isDuration(text))
    throw new RangeError(`malformed duration "${text}" (use e.g. 500ms, 30s, 15m, 6h, 2d; at most 100 years)`);
  return Math.round(sum(text));
}

/** Short human text for a number of milliseconds: `1h 5m`, `42s`, `350ms`. */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(' ');
}
