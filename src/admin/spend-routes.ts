import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { spendQuery, type SpendRow } from '../api/schemas.js';
import { spendCsv } from '../api/spend-csv.js';
import type { Principal } from '../auth/principal.js';
import { adminApi } from '../auth/access.js';
import type { Services } from '../server/services.js';
import { reportScope } from './report-scope.js';
import { parseQuery, principalOf } from './request.js';

type SpendQuery = z.infer<typeof spendQuery>;

/** How each grouping labels its rows. */
const groupings = {
  user: { key: 'r.user_id::text', label: "COALESCE(u.email, u.username, '(team key)')" },
  team: { key: 'r.team_id::text', label: "COALESCE(t.name, '(no team)')" },
  key: { key: 'r.key_id::text', label: "COALESCE(k.prefix, '(session)')" },
  model: { key: 'NULL::text', label: "COALESCE(r.model, '(unknown)')" },
  day: { key: 'NULL::text', label: `to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD')` },
} as const;

/** Spend by user, team, key, model or day; admins see all, team admins their team, others themselves. */
export async function spendRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db } = services;

  app.get('/spend', { config: { access: adminApi() } }, async (req, reply) => {
    const q = parseQuery(spendQuery, req.query);
    const data = await spendReport(principalOf(req), q);
    if (q.format === 'json') return { data, next_cursor: null };
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="ccag-spend-by-${q.by}.csv"`)
      .send(spendCsv(data));
  });

  async function spendReport(p: Principal, q: SpendQuery): Promise<SpendRow[]> {
    await services.inference.requestLog.flush();
    const scope = await reportScope(db, p, q);
    if (!scope) return [];
    const g = groupings[q.by];
    const { rows } = await db.query<SpendRow>(
      `SELECT ${g.label} AS "group", ${g.key} AS group_id, count(*)::int AS requests,
         COALESCE(sum(r.input_tokens), 0)::bigint AS input_tokens, COALESCE(sum(r.output_tokens), 0)::bigint AS output_tokens,
         COALESCE(sum(r.cache_read_tokens), 0)::bigint AS cache_read_tokens,
         COALESCE(sum(r.cache_write_5m_tokens + r.cache_write_1h_tokens), 0)::bigint AS cache_write_tokens,
         (COALESCE(sum(r.cost_micros), 0) / 1000000.0)::float8 AS cost_usd,
         count(*) FILTER (WHERE NOT r.priced)::int AS unpriced_requests
       FROM requests r
       LEFT JOIN users u ON u.id = r.user_id LEFT JOIN teams t ON t.id = r.team_id LEFT JOIN api_keys k ON k.id = r.key_id
       WHERE ($1::timestamptz IS NULL OR r.at >= $1) AND ($2::timestamptz IS NULL OR r.at < $2)
         AND ($3::uuid IS NULL OR r.user_id = $3) AND ($4::uuid IS NULL OR r.team_id = $4) AND ($5::text IS NULL OR r.model = $5)
       GROUP BY 1, 2 ORDER BY cost_usd DESC, 1`,
      [q.since ?? null, q.until ?? null, scope.userId, scope.teamId, q.model ?? null],
    );
    return rows.map((r) => ({ ...r, input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens), cache_read_tokens: Number(r.cache_read_tokens), cache_write_tokens: Number(r.cache_write_tokens) }));
  }
}
