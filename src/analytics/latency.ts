import type { AnalyticsLatency } from '../api/schemas.js';
import type { Queryable } from '../db/db.js';
import { histogramSum, percentiles } from './histogram.js';
import { bucketSql, rollupWhere, type RollupFilter } from './rollups.js';

/** Latency and time-to-first-token percentiles per bucket (null where a bucket has no requests). */
export async function analyticsLatency(db: Queryable, f: RollupFilter): Promise<AnalyticsLatency> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ b: Date; latency: string; ttft: string }>(
    `SELECT ${bucketSql(f.range)} AS b, ${histogramSum('r.latency_hist')} AS latency, ${histogramSum('r.ttft_hist')} AS ttft
     FROM request_rollups r WHERE ${rollupWhere(f, params)} GROUP BY 1`,
    params,
  );
  const byBucket = new Map(rows.map((r) => [new Date(r.b).getTime(), { latency: percentiles(r.latency), ttft: percentiles(r.ttft) }]));
  const column = (metric: 'latency' | 'ttft', p: 'p50' | 'p95' | 'p99') => f.range.buckets.map((b) => byBucket.get(b.getTime())?.[metric][p] ?? null);
  return {
    granularity: f.range.granularity,
    buckets: f.range.buckets.map((b) => b.toISOString()),
    latency_ms: { p50: column('latency', 'p50'), p95: column('latency', 'p95'), p99: column('latency', 'p99') },
    ttft_ms: { p50: column('ttft', 'p50'), p95: column('ttft', 'p95'), p99: column('ttft', 'p99') },
  };
}
