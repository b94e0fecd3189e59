import type { FastifyInstance } from 'fastify';
import { forbidden, notFound } from '../api/errors.js';
import { setBudgetRequest, type BudgetEvent, type BudgetView } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Queryable } from '../db/db.js';
import { findKey } from '../db/repos/keys.js';
import { isUuid } from '../db/repos/page.js';
import { findTeam } from '../db/repos/teams.js';
import { findUser } from '../db/repos/users.js';
import { toBudget, type BudgetScope } from '../limits/budget-store.js';
import { periodEnd, periodStart } from '../limits/periods.js';
import { announceConfigChange } from '../server/reloading-store.js';
import type { Services } from '../server/services.js';
import { mutate } from './mutation.js';
import { isAdmin } from './permissions.js';
import { parseBody, principalOf } from './request.js';

interface Target {
  id: string;
  label: string;
  /** The team the target belongs to (for team admins' reach). */
  teamId: string | null;
  userId: string | null;
}

async function resolveTarget(db: Queryable, scope: BudgetScope, ref: string): Promise<Target> {
  if (scope === 'team') {
    const t = await findTeam(db, ref);
    if (!t) throw notFound(`no team ${ref}`);
    return { id: t.id, label: t.name, teamId: t.id, userId: null };
  }
  if (scope === 'user') {
    const u = await findUser(db, ref);
    if (!u) throw notFound(`no user ${ref}`);
    return { id: u.id, label: u.email ?? u.username, teamId: u.team_id, userId: u.id };
  }
  const k = await findKey(db, ref);
  if (!k) throw notFound(`no key ${ref}`);
  return { id: k.id, label: k.prefix, teamId: k.team_id, userId: k.user_id };
}

const mayManage = (p: Principal, t: Target) => isAdmin(p) || (p.role === 'team_admin' && t.teamId !== null && t.teamId === p.teamId);
const maySee = (p: Principal, t: Target) => mayManage(p, t) || t.userId === p.userId || (t.teamId !== null && t.teamId === p.teamId && t.userId === null);

interface BudgetRow {
  id: string;
  scope: BudgetScope;
  target_id: string;
  amount_micros: number;
  period: 'daily' | 'weekly' | 'monthly';
  rules: BudgetView['rules'];
}

const column = { user: 'user_id', team: 'team_id', key: 'key_id' } as const;

async function view(db: Queryable, row: BudgetRow, target: Target, now = new Date()): Promise<BudgetView> {
  const start = periodStart(row.period, now);
  const { rows } = await db.query<{ spent: number }>(
    `SELECT COALESCE((SELECT spent_micros FROM budget_usage WHERE budget_id = $1 AND period_start = $2),
       (SELECT COALESCE(sum(cost_micros), 0) FROM requests WHERE ${column[row.scope]} = $3 AND at >= $2))::bigint AS spent`,
    [row.id, start, row.target_id],
  );
  const spent = Number(rows[0]!.spent);
  const amount = Number(row.amount_micros);
  return {
    id: row.id,
    scope: row.scope,
    target_id: row.target_id,
    target: target.label,
    amount_usd: amount / 1e6,
    period: row.period,
    rules: row.rules,
    period_start: start.toISOString(),
    resets_at: periodEnd(row.period, now).toISOString(),
    spent_usd: spent / 1e6,
    remaining_usd: Math.max(0, amount - spent) / 1e6,
  };
}

/** The budgets a caller may see (their own, their team's; a team admin's team; an admin all), with this period's spend. */
export async function visibleBudgets(db: Queryable, p: Principal, now = new Date()): Promise<BudgetView[]> {
  const { rows } = await db.query<BudgetRow>('SELECT id, scope, target_id, amount_micros, period, rules FROM budgets ORDER BY created_at, id');
  const data: BudgetView[] = [];
  for (const row of rows) {
    const target = await resolveTarget(db, row.scope, row.target_id).catch(() => undefined);
    if (target && maySee(p, target)) data.push(await view(db, row, target, now));
  }
  return data;
}

/** Budgets per user, team or key: admins set any, team admins those of their own team. */
export async function budgetRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db } = services;
  const store = services.inference.budgets;

  app.get('/budgets', { config: { access: adminApi() } }, async (req) => {
    await services.inference.requestLog.flush();
    return { data: await visibleBudgets(db, principalOf(req)), next_cursor: null };
  });

  app.get<{ Params: { id: string } }>('/budgets/:id', { config: { access: adminApi() } }, async (req): Promise<BudgetView> => {
    const p = principalOf(req);
    await services.inference.requestLog.flush();
    const row = isUuid(req.params.id) ? (await db.query<BudgetRow>('SELECT id, scope, target_id, amount_micros, period, rules FROM budgets WHERE id = $1', [req.params.id])).rows[0] : undefined;
    const target = row ? await resolveTarget(db, row.scope, row.target_id).catch(() => undefined) : undefined;
    if (!row || !target || !maySee(p, target)) throw notFound(`no budget ${req.params.id}`);
    return view(db, row, target);
  });

  app.get<{ Params: { id: string } }>('/budgets/:id/events', { config: { access: adminApi() } }, async (req): Promise<{ data: BudgetEvent[]; next_cursor: null }> => {
    const p = principalOf(req);
    await services.inference.requestLog.flush();
    const row = isUuid(req.params.id) ? (await db.query<BudgetRow>('SELECT id, scope, target_id, amount_micros, period, rules FROM budgets WHERE id = $1', [req.params.id])).rows[0] : undefined;
    const target = row ? await resolveTarget(db, row.scope, row.target_id).catch(() => undefined) : undefined;
    if (!row || !target || !maySee(p, target)) throw notFound(`no budget ${req.params.id}`);
    const { rows } = await db.query<{ budget_id: string; period_start: Date; pct: number; action: BudgetEvent['action']; at: Date; spent_micros: number }>(
      'SELECT budget_id, period_start, pct, action, at, spent_micros FROM budget_events WHERE budget_id = $1 ORDER BY at, pct',
      [row.id],
    );
    return {
      data: rows.map((e) => ({ budget_id: e.budget_id, period_start: new Date(e.period_start).toISOString(), pct: e.pct, action: e.action, at: new Date(e.at).toISOString(), spent_usd: Number(e.spent_micros) / 1e6 })),
      next_cursor: null,
    };
  });

  app.put('/budgets', { config: { access: adminApi('admin', 'team_admin') } }, async (req): Promise<BudgetView> => {
    const p = principalOf(req);
    const body = parseBody(setBudgetRequest, req.body);
    const { row, target } = await mutate(services, req, async (m) => {
      const target = await resolveTarget(m.tx, body.scope, body.target);
      if (!mayManage(p, target)) throw forbidden(`you cannot set a budget for ${target.label}: it is not in your team`);
      const amount = Math.round(body.amount_usd * 1e6);
      const { rows } = await m.tx.query<BudgetRow>(
        `INSERT INTO budgets (scope, target_id, amount_micros, period, rules) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (scope, target_id) DO UPDATE SET amount_micros = $3, period = $4, rules = $5, updated_at = now()
         RETURNING id, scope, target_id, amount_micros, period, rules`,
        [body.scope, target.id, amount, body.period, JSON.stringify(body.rules)],
      );
      await m.audit({ action: 'budget.set', targetType: body.scope, targetId: target.id, after: body });
      await announceConfigChange(m.tx, 'budgets');
      return { row: rows[0]!, target };
    });
    await store.reload();
    return view(db, row, target);
  });

  app.delete<{ Params: { id: string } }>('/budgets/:id', { config: { access: adminApi('admin', 'team_admin') } }, async (req, reply) => {
    const p = principalOf(req);
    await mutate(services, req, async (m) => {
      const row = isUuid(req.params.id) ? (await m.tx.query<BudgetRow>('SELECT id, scope, target_id, amount_micros, period, rules FROM budgets WHERE id = $1', [req.params.id])).rows[0] : undefined;
      const target = row ? await resolveTarget(m.tx, row.scope, row.target_id).catch(() => undefined) : undefined;
      if (!row || !target || !maySee(p, target)) throw notFound(`no budget ${req.params.id}`);
      if (!mayManage(p, target)) throw forbidden(`you cannot clear the budget of ${target.label}`);
      await m.tx.query('DELETE FROM budgets WHERE id = $1', [row.id]);
      await m.audit({ action: 'budget.clear', targetType: row.scope, targetId: row.target_id, before: { ...toBudget(row), rules: row.rules } });
      await announceConfigChange(m.tx, 'budgets');
    });
    await store.reload();
    return reply.code(204).send();
  });
}
