import type { Percentiles } from '../api/schemas.js';

/**
 * Latency and time-to-first-token histograms as migrations/013_analytics.sql stores them:
 * bucket 0 counts values under 1 ms, bucket i (1..71) values in [1.25^(i-1), 1.25^i) ms,
 * packed into one numeric with bucket i's count in the 12 decimal digits from 10^(12i) up.
 * A percentile is read as its bucket's geometric middle, so it is within ±12% (a factor of
 * √1.25) of the exact value.
 */
const growth = 1.25;
const digitsPerBucket = 12;

/** SQL adding up a histogram column over the rows of a GROUP BY (as text: numerics this long do not fit a JS number). */
export const histogramSum = (column: string) => `COALESCE(sum(${column}), 0)::text`;

/** Counts per bucket of a packed histogram. */
export function histogramCounts(packed: string): number[] {
  const digits = packed.split('.')[0]!;
  const counts: number[] = [];
  for (let end = digits.length; end > 0; end -= digitsPerBucket) counts.push(Number(digits.slice(Math.max(0, end - digitsPerBucket), end)));
  return counts;
}

const middle = (bucket: number) => (bucket === 0 ? 0 : Math.round(growth ** (bucket - 0.5)));

/** The value under which a fraction q of the counted values lie (nearest rank), or null with no values. */
function percentile(counts: number[], total: number, q: number): number | null {
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return middle(i);
  }
  return middle(counts.length - 1);
}

/** p50, p95 and p99 of a packed histogram. */
export function percentiles(packed: string): Percentiles {
  const counts = histogramCounts(packed);
  const total = counts.reduce((a, b) => a + b, 0);
  return { p50: percentile(counts, total, 0.5), p95: percentile(counts, total, 0.95), p99: percentile(counts, total, 0.99) };
}
