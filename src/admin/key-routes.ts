import type { FastifyInstance } from 'fastify';
import { forbidden, invalidRequest, notFound } from '../api/errors.js';
import { parseDuration } from '../api/duration.js';
import { createKeyRequest, defaultBudgetRules, keyListQuery, rotateKeyRequest, type ApiKey, type CreatedApiKey, type Page } from '../api/schemas.js';
import { announceConfigChange } from '../server/reloading-store.js';
import { adminApi } from '../auth/access.js';
import { describePrincipal, type Principal } from '../auth/principal.js';
import { generateVirtualKey } from '../auth/virtual-key.js';
import type { Queryable } from '../db/db.js';
import { findKey, insertKey, listKeys, retireKey, revokeKey, toApiKey, type KeyRow, type NewKey } from '../db/repos/keys.js';
import { decodeCursor } from '../db/repos/page.js';
import { findTeam } from '../db/repos/teams.js';
import { findUser } from '../db/repos/users.js';
import { emitKeyRevoked } from '../notify/emit.js';
import type { Services } from '../server/services.js';
import { mutate } from './mutation.js';
import { assertManagesTeam, assertSeesKey, isAdmin, isTeamAdminOf } from './permissions.js';
import { type RefParams, parseBody, parseQuery, principalOf } from './request.js';

export const defaultRotationGraceMs = 24 * 3_600_000;

/** Inserts a key under a fresh secret; a clash of the 6 visible random characters just draws again. */
async function insertWithFreshSecret(tx: Queryable, key: Omit<NewKey, 'hash' | 'prefix'>): Promise<CreatedApiKey> {
  for (let attempt = 0; ; attempt++) {
    const secret = generateVirtualKey();
    await tx.query('SAVEPOINT new_key');
    try {
      const row = await insertKey(tx, { ...key, hash: secret.hash, prefix: secret.prefix });
      await tx.query('RELEASE SAVEPOINT new_key');
      return { ...toApiKey(row), key: secret.key };
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT new_key');
      if ((err as { code?: string }).code !== '23505' || attempt >= 3) throw err;
    }
  }
}

/** Who owns a new key and which team pays, checked against what the caller may do. */
async function resolveOwner(tx: Queryable, p: Principal, userRef?: string, teamRef?: string): Promise<{ userId: string | null; teamId: string | null }> {
  const user = userRef ? await findUser(tx, userRef) : undefined;
  if (userRef && !user) throw notFound(`no user ${userRef}`);
  const team = teamRef ? await findTeam(tx, teamRef) : undefined;
  if (teamRef && !team) throw notFound(`no team ${teamRef}`);
  if (user && !user.active) throw invalidRequest(`${userRef} is deactivated`);
  if (user && team && user.team_id !== team.id) throw invalidRequest(`${userRef} is not a member of team ${team.name}`);

  const userId = user?.id ?? (team ? null : p.userId);
  const teamId = team?.id ?? user?.team_id ?? (userId === p.userId ? p.teamId : null);
  if (userId === null && teamId === null) throw invalidRequest('a key needs an owner: give --user or --team');
  if (isAdmin(p)) return { userId, teamId };
  if (userId === p.userId && (teamId === p.teamId || teamId === null)) return { userId, teamId };
  if (p.role === 'team_admin') {
    assertManagesTeam(p, teamId, team?.name ?? user?.team_name ?? 'that team');
    return { userId, teamId };
  }
  throw forbidden('you can only create keys for yourself');
}

function assertManagesKey(p: Principal, key: KeyRow): void {
  if (isAdmin(p) || isTeamAdminOf(p, key.team_id) || key.user_id === p.userId) return;
  throw forbidden(`you cannot change key ${key.prefix}`);
}

/** Virtual keys: created with the secret shown once, listed by prefix, revoked and rotated. */
export async function keyRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db } = services;

  app.get('/keys', { config: { access: adminApi() } }, async (req): Promise<Page<ApiKey>> => {
    const p = principalOf(req);
    const q = parseQuery(keyListQuery, req.query);
    const user = q.user ? await findUser(db, q.user) : undefined;
    const team = q.team ? await findTeam(db, q.team) : undefined;
    if (q.user && !user) throw notFound(`no user ${q.user}`);
    if (q.team && !team) throw notFound(`no team ${q.team}`);
    let scope: { userId?: string; teamId?: string } = { userId: user?.id, teamId: team?.id };
    if (p.role === 'team_admin') {
      if (!p.teamId || (team && team.id !== p.teamId)) scope = { userId: p.userId!, teamId: undefined };
      else scope.teamId = p.teamId;
    } else if (!isAdmin(p)) {
      if (user && user.id !== p.userId) return { data: [], next_cursor: null };
      scope = { userId: p.userId ?? undefined, teamId: team?.id };
    }
    return listKeys(db, { limit: q.limit, after: decodeCursor(q.cursor), includeRevoked: q.include_revoked, ...scope });
  });

  app.get<{ Params: RefParams }>('/keys/:ref', { config: { access: adminApi() } }, async (req): Promise<ApiKey> => {
    return toApiKey(assertSeesKey(principalOf(req), await findKey(db, req.params.ref), req.params.ref));
  });

  app.post('/keys', { config: { access: adminApi('admin', 'team_admin', 'member') } }, async (req, reply): Promise<CreatedApiKey> => {
    const p = principalOf(req);
    const body = parseBody(createKeyRequest, req.body);
    const expiresAt = body.expires_in ? new Date(Date.now() + parseDuration(body.expires_in)!) : body.expires_at ? new Date(body.expires_at) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw invalidRequest('expires: must be in the future');
    const created = await mutate(services, req, async (m) => {
      const owner = await resolveOwner(m.tx, p, body.user, body.team);
      if (body.scope === 'admin' && !owner.userId) throw invalidRequest('an admin-scope key acts as its user: give --user');
      // An admin-scope key acts with its owner's role: only admins may mint one for someone else.
      if (body.scope === 'admin' && owner.userId !== p.userId && !isAdmin(p)) {
        throw forbidden('only an admin can create an admin-scope key for another user');
      }
      const key = await insertWithFreshSecret(m.tx, {
        name: body.name,
        scope: body.scope,
        ...owner,
        models: body.models ?? null,
        expiresAt,
        createdBy: p.userId,
        rpm: body.rpm,
        tpm: body.tpm,
        concurrency: body.concurrency,
      });
      const { key: _secret, ...shown } = key;
      await m.audit({ action: 'key.create', targetType: 'key', targetId: key.id, after: shown });
      if (body.budget_usd !== undefined) {
        const budget = { scope: 'key', target_id: key.id, amount_micros: Math.round(body.budget_usd * 1e6), period: 'monthly', rules: defaultBudgetRules };
        await m.tx.query('INSERT INTO budgets (scope, target_id, amount_micros, period, rules) VALUES ($1, $2, $3, $4, $5)', [
          budget.scope,
          budget.target_id,
          budget.amount_micros,
          budget.period,
          JSON.stringify(budget.rules),
        ]);
        await m.audit({ action: 'budget.set', targetType: 'key', targetId: key.id, after: budget });
        await announceConfigChange(m.tx, 'budgets');
      }
      return key;
    });
    if (body.budget_usd !== undefined) await services.inference.budgets.reload();
    reply.code(201);
    return created;
  });

  app.post<{ Params: RefParams }>('/keys/:ref/revoke', { config: { access: adminApi() } }, async (req): Promise<ApiKey> => {
    const p = principalOf(req);
    const key = await mutate(services, req, async (m) => {
      const before = assertSeesKey(p, await findKey(m.tx, req.params.ref), req.params.ref);
      assertManagesKey(p, before);
      await revokeKey(m.tx, before.id);
      const after = (await findKey(m.tx, before.id))!;
      if (!before.revoked_at) await emitKeyRevoked(m.tx, before.id, describePrincipal(p));
      await m.audit({ action: 'key.revoke', targetType: 'key', targetId: before.id, before: toApiKey(before), after: toApiKey(after) });
      await m.invalidate({ kind: 'key', id: before.id });
      return after;
    });
    return toApiKey(key);
  });

  app.post<{ Params: RefParams }>('/keys/:ref/rotate', { config: { access: adminApi() } }, async (req, reply): Promise<CreatedApiKey> => {
    const p = principalOf(req);
    const body = parseBody(rotateKeyRequest, req.body);
    const graceMs = body.grace_period ? parseDuration(body.grace_period)! : defaultRotationGraceMs;
    const created = await mutate(services, req, async (m) => {
      const old = assertSeesKey(p, await findKey(m.tx, req.params.ref), req.params.ref);
      assertManagesKey(p, old);
      if (toApiKey(old).status !== 'active') throw invalidRequest(`key ${old.prefix} is ${toApiKey(old).status}; create a new key instead`);
      const key = await insertWithFreshSecret(m.tx, {
        name: old.name,
        scope: old.scope,
        userId: old.user_id,
        teamId: old.team_id,
        models: old.models,
        expiresAt: old.expires_at,
        createdBy: p.userId,
        rpm: old.rpm_limit,
        tpm: old.tpm_limit,
        concurrency: old.concurrency_limit,
      });
      await retireKey(m.tx, old.id, key.id, new Date(Date.now() + graceMs));
      // The new key keeps the old one's budget (its own spend starts from zero).
      const carried = await m.tx.query(
        `INSERT INTO budgets (scope, target_id, amount_micros, period, rules)
         SELECT scope, $2, amount_micros, period, rules FROM budgets WHERE scope = 'key' AND target_id = $1 RETURNING id`,
        [old.id, key.id],
      );
      if (carried.rowCount) await announceConfigChange(m.tx, 'budgets');
      const retired = (await findKey(m.tx, old.id))!;
      const { key: _secret, ...shown } = key;
      await m.audit({ action: 'key.rotate', targetType: 'key', targetId: old.id, before: toApiKey(old), after: { old: toApiKey(retired), new: shown } });
      await m.invalidate({ kind: 'key', id: old.id });
      return key;
    });
    await services.inference.budgets.reload();
    reply.code(201);
    return created;
  });
}
