import type { AnalyticsDimension, AnalyticsMetric } from '../api/schemas.js';
import type { Queryable } from '../db/db.js';
import type { ReportScope } from '../admin/report-scope.js';
import type { AnalyticsRange } from './range.js';

/**
 * Reading request_rollups (migrations/013_analytics.sql): which rows a report covers, how each
 * metric adds up over them, and what each grouping is called.
 */
export interface RollupFilter {
  range: AnalyticsRange;
  /** Null: the caller's filters are outside its reach, and the report is empty. */
  scope: ReportScope | null;
  model?: string;
  endpoint?: string;
}

/** The WHERE clause for the filter's rows (`r` is request_rollups); perTool: the per-tool rows instead of the totals. */
export function rollupWhere(f: RollupFilter, params: unknown[], perTool = false): string {
  const p = (v: unknown) => `$${params.push(v)}`;
  const where = [
    `r.grain = ${p(f.range.grain)}`,
    perTool ? `r.tool <> ''` : `r.tool = ''`,
    `r.bucket >= ${p(f.range.since)}`,
    `r.bucket < ${p(f.range.until)}`,
  ];
  if (!f.scope) where.push('false');
  if (f.scope?.teamId) where.push(`r.team_id = ${p(f.scope.teamId)}`);
  if (f.scope?.userId) where.push(`r.user_id = ${p(f.scope.userId)}`);
  if (f.model !== undefined) where.push(`r.model = ${p(f.model)}`);
  if (f.endpoint !== undefined) where.push(`r.endpoint = ${p(f.endpoint)}`);
  return where.join(' AND ');
}

/** The start of the report bucket a rollup row falls in. */
export const bucketSql = (range: AnalyticsRange) => (range.granularity === 'week' ? `date_trunc('week', r.bucket, 'UTC')` : 'r.bucket');

/** Each metric as an aggregate over rollup rows. */
export const metricSql: Record<AnalyticsMetric, string> = {
  spend_usd: '(COALESCE(sum(r.cost_micros), 0) / 1000000.0)::float8',
  requests: 'COALESCE(sum(r.requests), 0)::float8',
  errors: 'COALESCE(sum(r.errors), 0)::float8',
  active_users: 'count(DISTINCT r.user_id)::float8',
  input_tokens: 'COALESCE(sum(r.input_tokens), 0)::float8',
  output_tokens: 'COALESCE(sum(r.output_tokens), 0)::float8',
  cache_read_tokens: 'COALESCE(sum(r.cache_read_tokens), 0)::float8',
  cache_write_tokens: 'COALESCE(sum(r.cache_write_tokens), 0)::float8',
};

/** A grouping's key as text; '' stands for requests without one (no team, a team's own key…). */
export const dimensionSql: Record<AnalyticsDimension, string> = {
  team: `COALESCE(r.team_id::text, '')`,
  user: `COALESCE(r.user_id::text, '')`,
  model: `COALESCE(r.model, '')`,
  endpoint: `COALESCE(r.endpoint, '')`,
  tool: 'r.tool',
};

const noneLabel: Record<AnalyticsDimension, string> = { team: '(no team)', user: '(team key)', model: '(unknown)', endpoint: '(none)', tool: '' };

/** Labels for keys of a grouping: team names, user emails; model ids, endpoint and tool names are their own label. */
export async function labelsFor(db: Queryable, by: AnalyticsDimension, keys: string[]): Promise<Map<string, string>> {
  const labels = new Map(keys.map((k) => [k, k === '' ? noneLabel[by] : k]));
  const ids = keys.filter((k) => k !== '');
  if (!ids.length || (by !== 'team' && by !== 'user')) return labels;
  const sql = by === 'team' ? 'SELECT id::text AS id, name AS label FROM teams WHERE id = ANY($1::uuid[])' : 'SELECT id::text AS id, COALESCE(email, username) AS label FROM users WHERE id = ANY($1::uuid[])';
  const { rows } = await db.query<{ id: string; label: string }>(sql, [ids]);
  for (const r of rows) labels.set(r.id, r.label);
  return labels;
}
