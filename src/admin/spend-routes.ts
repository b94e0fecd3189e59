import type { FastifyInstance } from 'fastify';
import { notFound } from '../api/errors.js';
import { spendQuery, type SpendRow } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { findTeam } from '../db/repos/teams.js';
import { findUser } from '../db/repos/users.js';
import type { Services } from '../server/services.js';
import { isAdmin } from './permissions.js';
import { parseQuery, principalOf } from './request.js';

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

  app.get('/spend', { config: { access: adminApi() } }, async (req): Promise<{ data: SpendRow[]; next_cursor: null }> => {
    const p = principalOf(req);
    const q = parseQuery(spendQuery, req.query);
    await services.inference.requestLog.flush();
    const user = q.user ? await findUser(db, q.user) : undefined;
    const team = q.team ? await findTeam(db, q.team) : undefined;
    if (isAdmin(p) && q.user && !user) throw notFound(`no user ${q.user}`);
    if (isAdmin(p) && q.team && !team) throw notFound(`no team ${q.team}`);
    // Who may see what: an admin everything, a team admin its team, anyone else themselves.
    // Filters outside that reach give an empty report, so they do not reveal what exists.
    const leadsTeam = p.role === 'team_admin' && p.teamId !== null;
    const empty = { data: [], next_cursor: null };
    if ((q.user && !user) || (q.team && !team)) return empty;
    if (!isAdmin(p) && team && !(leadsTeam && team.id === p.teamId)) return empty;
    if (!isAdmin(p) && !leadsTeam && user && user.id !== p.userId) return empty;
    const teamId = isAdmin(p) ? team?.id : leadsTeam ? p.teamId : team?.id;
    const userId = isAdmin(p) || leadsTeam ? user?.id : p.userId;
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
         AND ($6::boolean OR $3::uuid IS NOT NULL OR $4::uuid IS NOT NULL)
       GROUP BY 1, 2 ORDER BY cost_usd DESC, 1`,
      [q.since ?? null, q.until ?? null, userId ?? null, teamId ?? null, q.model ?? null, isAdmin(p)],
    );
    return { data: rows.map((r) => ({ ...r, input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens), cache_read_tokens: Number(r.cache_read_tokens), cache_write_tokens: Number(r.cache_write_tokens) })), next_cursor: null };
  });
}
