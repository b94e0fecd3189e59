import type { AnalyticsBreakdownRow, AnalyticsDimension } from '../api/schemas.js';
import type { Queryable } from '../db/db.js';
import { histogramSum, percentiles } from './histogram.js';
import { dimensionSql, labelsFor, metricSql, rollupWhere, type RollupFilter } from './rollups.js';

type Sums = Omit<AnalyticsBreakdownRow, 'label' | 'latency_p50_ms' | 'key'> & { key: string; latency: string };

/** Totals per team, user, model, endpoint or tool (the requests whose response used it), most spend first. */
export async function analyticsBreakdown(db: Queryable, f: RollupFilter, by: AnalyticsDimension): Promise<{ data: AnalyticsBreakdownRow[] }> {
  const params: unknown[] = [];
  const { rows } = await db.query<Sums>(
    `SELECT ${dimensionSql[by]} AS key, ${metricSql.requests} AS requests, ${metricSql.errors} AS errors, ${metricSql.spend_usd} AS spend_usd,
       ${metricSql.input_tokens} AS input_tokens, ${metricSql.output_tokens} AS output_tokens,
       ${metricSql.cache_read_tokens} AS cache_read_tokens, ${metricSql.cache_write_tokens} AS cache_write_tokens,
       ${histogramSum('r.latency_hist')} AS latency
     FROM request_rollups r WHERE ${rollupWhere(f, params, by === 'tool')}
     GROUP BY 1 ORDER BY spend_usd DESC, requests DESC, 1`,
    params,
  );
  const labels = await labelsFor(db, by, rows.map((r) => r.key));
  return {
    data: rows.map(({ latency, key, ...sums }) => ({
      key: key === '' ? null : key,
      label: labels.get(key)!,
      ...sums,
      latency_p50_ms: percentiles(latency).p50,
    })),
  };
}
