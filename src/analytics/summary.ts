import type { AnalyticsSummary } from '../api/schemas.js';
import type { Queryable } from '../db/db.js';
import { histogramSum, percentiles } from './histogram.js';
import { metricSql, rollupWhere, type RollupFilter } from './rollups.js';

/** Totals over a range: requests, errors, people, spend, token mix, cache hits, searches, latency. */
export async function analyticsSummary(db: Queryable, f: RollupFilter): Promise<AnalyticsSummary> {
  const params: unknown[] = [];
  const { rows } = await db.query<Record<string, number> & { latency: string; ttft: string }>(
    `SELECT ${metricSql.requests} AS requests, ${metricSql.errors} AS errors, ${metricSql.active_users} AS active_users,
       ${metricSql.spend_usd} AS spend_usd, ${metricSql.input_tokens} AS input_tokens, ${metricSql.output_tokens} AS output_tokens,
       ${metricSql.cache_read_tokens} AS cache_read_tokens, ${metricSql.cache_write_tokens} AS cache_write_tokens,
       COALESCE(sum(r.web_searches), 0)::float8 AS web_searches,
       ${histogramSum('r.latency_hist')} AS latency, ${histogramSum('r.ttft_hist')} AS ttft
     FROM request_rollups r WHERE ${rollupWhere(f, params)}`,
    params,
  );
  const t = rows[0]!;
  const prompt = t.input_tokens! + t.cache_read_tokens! + t.cache_write_tokens!;
  return {
    since: f.range.since.toISOString(),
    until: f.range.until.toISOString(),
    requests: t.requests!,
    errors: t.errors!,
    active_users: t.active_users!,
    spend_usd: t.spend_usd!,
    input_tokens: t.input_tokens!,
    output_tokens: t.output_tokens!,
    cache_read_tokens: t.cache_read_tokens!,
    cache_write_tokens: t.cache_write_tokens!,
    cache_hit_rate: prompt ? t.cache_read_tokens! / prompt : 0,
    web_searches: t.web_searches!,
    latency_ms: percentiles(t.latency),
    ttft_ms: percentiles(t.ttft),
  };
}
