/**
 * The events of ccag's own changes, queued inside the transaction that makes the change, with
 * the names a reader needs looked up there.
 */
import type { Queryable } from '../db/db.js';
import type { Budget } from '../limits/budget-store.js';
import { periodEnd } from '../limits/periods.js';
import { enqueueNotification } from './outbox.js';

const usd = (micros: number) => micros / 1_000_000;

const keySql = `SELECT k.id, k.name, k.prefix, k.expires_at, k.user_id, u.email AS user_email, k.team_id, t.name AS team
  FROM api_keys k LEFT JOIN users u ON u.id = k.user_id LEFT JOIN teams t ON t.id = k.team_id`;

interface KeyFacts {
  id: string;
  name: string;
  prefix: string;
  expires_at: Date | null;
  user_id: string | null;
  user_email: string | null;
  team_id: string | null;
  team: string | null;
}

const keyData = (k: KeyFacts) => ({
  key_id: k.id,
  key_name: k.name,
  prefix: k.prefix,
  owner: k.user_email ?? `team ${k.team}`,
  user_id: k.user_id,
  user_email: k.user_email,
  team_id: k.team_id,
  team: k.team,
  expires_at: k.expires_at ? new Date(k.expires_at).toISOString() : null,
});

/** A budget rule was crossed for the first time this period: notify rules and block rules are told. */
export async function emitBudgetCrossed(tx: Queryable, budget: Budget, rule: { pct: number; action: string }, periodStart: Date, spentMicros: number): Promise<void> {
  if (rule.action !== 'notify' && rule.action !== 'block') return;
  const names = {
    user: 'SELECT coalesce(email, username) AS name FROM users WHERE id = $1',
    team: 'SELECT name FROM teams WHERE id = $1',
    key: `SELECT name || ' (' || prefix || ')' AS name FROM api_keys WHERE id = $1`,
  } as const;
  const { rows } = await tx.query<{ name: string }>(names[budget.scope], [budget.targetId]);
  await enqueueNotification(tx, rule.action === 'notify' ? 'budget.threshold' : 'budget.blocked', {
    budget_id: budget.id,
    scope: budget.scope,
    target_id: budget.targetId,
    target: rows[0]?.name ?? null,
    period: budget.period,
    period_start: periodStart.toISOString(),
    period_end: periodEnd(budget.period, periodStart).toISOString(),
    pct: rule.pct,
    amount_usd: usd(budget.amountMicros),
    spent_usd: usd(spentMicros),
  });
}

/** `actor`: who revoked it, as the audit log names them. */
export async function emitKeyRevoked(tx: Queryable, keyId: string, actor: string | null): Promise<void> {
  const { rows } = await tx.query<KeyFacts>(`${keySql} WHERE k.id = $1`, [keyId]);
  if (rows[0]) await enqueueNotification(tx, 'key.revoked', { ...keyData(rows[0]), actor });
}

/** `via`: the admin API (and so the CLI and portal) or SCIM; `deleted`: SCIM deleted the user (final). */
export async function emitUserDeactivated(tx: Queryable, userId: string, o: { via: 'admin' | 'scim'; actor: string | null; deleted?: boolean }): Promise<void> {
  const { rows } = await tx.query<{ id: string; username: string; email: string | null; name: string | null; team_id: string | null; team: string | null }>(
    'SELECT u.id, u.username, u.email, u.name, u.team_id, t.name AS team FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE u.id = $1',
    [userId],
  );
  const u = rows[0];
  if (!u) return;
  await enqueueNotification(tx, 'user.deactivated', {
    user_id: u.id,
    username: u.username,
    email: u.email,
    name: u.name,
    team_id: u.team_id,
    team: u.team,
    via: o.via,
    actor: o.actor,
    deleted: o.deleted ?? false,
  });
}

/**
 * Keys expiring within the window, one event per key and expiry time however many replicas
 * look (an expiry moved later and near again is told again). Returns how many were queued.
 */
export async function emitExpiringKeys(tx: Queryable, withinMs: number): Promise<number> {
  const { rows } = await tx.query<KeyFacts>(
    `${keySql} WHERE k.revoked_at IS NULL AND k.expires_at > now() AND k.expires_at <= now() + make_interval(secs => $1)`,
    [withinMs / 1000],
  );
  let queued = 0;
  for (const k of rows) {
    if (await enqueueNotification(tx, 'key.expiring', keyData(k), `key.expiring:${k.id}:${new Date(k.expires_at!).toISOString()}`)) queued++;
  }
  return queued;
}
