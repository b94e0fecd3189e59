import type { Percentiles } from '../api/schemas.js';

/**
 * Latency and time-to-first-token histograms as migrations/013_analytics.sql stores them:
 * bucket 0 holds values under 1 ms, bucket i (1..71) values in [1.25^(i-1), 1.25^i) ms. A
 * percentile is read as its bucket's geometric middle, so it is within ±12% (a factor of
 * √1.25) of the exact value.
 */
const buckets = 72;
const growth = 1.25;

/** SQL summing a histogram column over the rows of a GROUP BY, as one array. */
export function histogramSum(column: string): string {
  return `ARRAY[${Array.from({ length: buckets }, (_, i) => `sum(${column}[${i + 1}])`).join(', ')}]`;
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

/** p50, p95 and p99 of a summed histogram (as the database returns it: null when no rows). */
export function percentiles(summed: unknown[] | null): Percentiles {
  const counts = (summed ?? []).map((n) => Number(n ?? 0));
  const total = counts.reduce((a, b) => a + b, 0);
  return { p50: percentile(counts, total, 0.5), p95: percentile(counts, total, 0.95), p99: percentile(counts, total, 0.99) };
}
