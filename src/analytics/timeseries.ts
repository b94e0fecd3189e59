import type { AnalyticsMetric, AnalyticsSeries, AnalyticsTimeseries } from '../api/schemas.js';
import type { Queryable } from '../db/db.js';
import { bucketSql, dimensionSql, labelsFor, metricSql, rollupWhere, type RollupFilter } from './rollups.js';

const topGroups = 10;

/**
 * One metric per bucket, in one series or one per team, user, model or endpoint: the ten
 * largest over the range, and the rest summed as `other` (people counted once there too).
 */
export async function analyticsTimeseries(
  db: Queryable,
  f: RollupFilter,
  metric: AnalyticsMetric,
  groupBy: AnalyticsTimeseries['group_by'],
): Promise<AnalyticsTimeseries> {
  const buckets = f.range.buckets.map((b) => b.toISOString());
  const index = new Map(f.range.buckets.map((b, i) => [b.getTime(), i]));
  const series = new Map<string | null, number[]>();
  const add = (key: string | null, b: Date, v: number) => {
    if (!series.has(key)) series.set(key, new Array<number>(buckets.length).fill(0));
    series.get(key)![index.get(new Date(b).getTime())!] = v;
  };
  let top: string[] = [];
  if (groupBy === 'none') {
    const params: unknown[] = [];
    const { rows } = await db.query<{ b: Date; v: number }>(
      `SELECT ${bucketSql(f.range)} AS b, ${metricSql[metric]} AS v FROM request_rollups r WHERE ${rollupWhere(f, params)} GROUP BY 1`,
      params,
    );
    series.set('total', new Array<number>(buckets.length).fill(0));
    for (const r of rows) add('total', r.b, r.v);
  } else {
    const key = dimensionSql[groupBy];
    const totalsParams: unknown[] = [];
    const totals = await db.query<{ key: string }>(
      `SELECT ${key} AS key FROM request_rollups r WHERE ${rollupWhere(f, totalsParams)} GROUP BY 1 ORDER BY ${metricSql[metric]} DESC, 1 LIMIT ${topGroups + 1}`,
      totalsParams,
    );
    top = totals.rows.slice(0, topGroups).map((r) => r.key);
    const params: unknown[] = [top];
    // A key outside the top ten becomes NULL: the `other` series.
    const { rows } = await db.query<{ b: Date; key: string | null; v: number }>(
      `SELECT ${bucketSql(f.range)} AS b, CASE WHEN ${key} = ANY ($1::text[]) THEN ${key} END AS key, ${metricSql[metric]} AS v
       FROM request_rollups r WHERE ${rollupWhere(f, params)} GROUP BY 1, 2`,
      params,
    );
    for (const k of top) series.set(k, new Array<number>(buckets.length).fill(0));
    for (const r of rows) add(r.key, r.b, r.v);
  }
  const labels = groupBy === 'none' ? new Map() : await labelsFor(db, groupBy, top);
  const out: AnalyticsSeries[] = [...series].map(([key, values]) =>
    key === null ? { key: 'other', label: 'other', values } : groupBy === 'none' ? { key, label: 'total', values } : { key: key === '' ? null : key, label: labels.get(key)!, values },
  );
  return { metric, granularity: f.range.granularity, group_by: groupBy, buckets, series: out };
}
