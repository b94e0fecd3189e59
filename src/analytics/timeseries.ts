import type { AnalyticsDimension, AnalyticsMetric, AnalyticsTimeseries } from '../api/schemas.js';
import type { Queryable } from '../db/db.js';
import { bucketSql, dimensionSql, labelsFor, metricSql, rollupWhere, type RollupFilter } from './rollups.js';

const topGroups = 10;

/** The keys of the groups with the largest total of the metric over the range, largest first. */
async function largestGroups(db: Queryable, f: RollupFilter, metric: AnalyticsMetric, by: AnalyticsDimension): Promise<string[]> {
  const params: unknown[] = [];
  const { rows } = await db.query<{ key: string }>(
    `SELECT ${dimensionSql[by]} AS key FROM request_rollups r WHERE ${rollupWhere(f, params)} GROUP BY 1 ORDER BY ${metricSql[metric]} DESC, 1 LIMIT ${topGroups}`,
    params,
  );
  return rows.map((r) => r.key);
}

/**
 * One metric per bucket, in one series or one per team, user, model or endpoint: the ten
 * largest over the range, and the rest added up as `other` (people counted once there too).
 */
export async function analyticsTimeseries(
  db: Queryable,
  f: RollupFilter,
  metric: AnalyticsMetric,
  groupBy: AnalyticsTimeseries['group_by'],
): Promise<AnalyticsTimeseries> {
  const params: unknown[] = [];
  let key = `'total'`;
  let labels = new Map([['total', 'total']]);
  if (groupBy !== 'none') {
    const top = await largestGroups(db, f, metric, groupBy);
    // A key outside the top ten becomes NULL: the `other` series.
    key = `CASE WHEN ${dimensionSql[groupBy]} = ANY ($${params.push(top)}::text[]) THEN ${dimensionSql[groupBy]} END`;
    labels = await labelsFor(db, groupBy, top);
  }
  const { rows } = await db.query<{ b: Date; key: string | null; v: number }>(
    `SELECT ${bucketSql(f.range)} AS b, ${key} AS key, ${metricSql[metric]} AS v FROM request_rollups r WHERE ${rollupWhere(f, params)} GROUP BY 1, 2`,
    params,
  );
  const index = new Map(f.range.buckets.map((b, i) => [b.getTime(), i]));
  const values = new Map<string | null, number[]>([...labels.keys()].map((k) => [k, new Array<number>(index.size).fill(0)]));
  for (const r of rows) {
    if (!values.has(r.key)) values.set(r.key, new Array<number>(index.size).fill(0));
    values.get(r.key)![index.get(new Date(r.b).getTime())!] = r.v;
  }
  return {
    metric,
    granularity: f.range.granularity,
    group_by: groupBy,
    buckets: f.range.buckets.map((b) => b.toISOString()),
    series: [...values].map(([k, v]) => (k === null ? { key: 'other', label: 'other', values: v } : { key: k === '' ? null : k, label: labels.get(k)!, values: v })),
  };
}
