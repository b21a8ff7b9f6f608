/** Summary statistics for benchmark samples: medians and spread, never a lone mean. */

/** Median, percentiles and extremes of a sample, rounded for reporting. */
export interface Summary {
  n: number;
  median: number;
  p10: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** The `p`-th percentile (0..100) by linear interpolation between closest ranks. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

/** Rounds to `digits` decimals (results files should not carry float noise). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Summarizes `samples` (any order). */
export function summarize(samples: readonly number[], digits = 2): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((acc, x) => acc + x, 0) / (s.length || 1);
  return {
    n: s.length,
    median: round(percentile(s, 50), digits),
    p10: round(percentile(s, 10), digits),
    p90: round(percentile(s, 90), digits),
    p99: round(percentile(s, 99), digits),
    min: round(s[0] ?? Number.NaN, digits),
    max: round(s[s.length - 1] ?? Number.NaN, digits),
    mean: round(mean, digits),
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
