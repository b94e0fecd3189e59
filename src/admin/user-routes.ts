import type { FastifyInstance } from 'fastify';
import { conflict, forbidden, invalidRequest, notFound } from '../api/errors.js';
import { createUserRequest, updateUserRequest, userListQuery, type Page, type Role, type User } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { hashPassword } from '../auth/password.js';
import { describePrincipal, type Principal } from '../auth/principal.js';
import type { Queryable } from '../db/db.js';
import { decodeCursor } from '../db/repos/page.js';
import { findTeam } from '../db/repos/teams.js';
import { countAdmins, findUser, insertUser, listUsers, toUser, updateUser, type UserPatch, type UserRow } from '../db/repos/users.js';
import { emitUserDeactivated } from '../notify/emit.js';
import type { Services } from '../server/services.js';
import { mutate } from './mutation.js';
import { assertSeesUser, assertTeamAdminMayChange, isAdmin } from './permissions.js';
import { type RefParams, parseBody, parseQuery, principalOf } from './request.js';
import { uniqueViolation } from './unique-violation.js';


async function resolveTeamId(db: Queryable, ref: string | null | undefined): Promise<string | null | undefined> {
  if (ref === undefined || ref === null) return ref;
  const team = await findTeam(db, ref);
  if (!team) throw notFound(`no team ${ref}`);
  return team.id;
}

/** Last-admin guard: the gateway must always keep one active admin. */
async function assertAdminRemains(tx: Queryable, before: UserRow, after: UserPatch): Promise<void> {
  const losesAdmin = before.role === 'admin' && before.active && ((after.role && after.role !== 'admin') || after.active === false);
  if (losesAdmin && (await countAdmins(tx)) <= 1) throw conflict(`${before.username} is the last active admin; make another admin first`);
}

/** Users: admins manage everyone; a team_admin the members of its own team. */
export async function userRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db } = services;
  const staff = adminApi('admin', 'team_admin');

  app.get('/users', { config: { access: staff } }, async (req): Promise<Page<User>> => {
    const p = principalOf(req);
    const q = parseQuery(userListQuery, req.query);
    const requested = await resolveTeamId(db, q.team);
    // A team_admin lists its own team only.
    const teamId = isAdmin(p) ? requested : p.teamId;
    if (!isAdmin(p) && (!teamId || (requested && requested !== teamId))) return { data: [], next_cursor: null };
    return listUsers(db, { limit: q.limit, after: decodeCursor(q.cursor), teamId: teamId ?? undefined, role: q.role, active: q.active });
  });

  app.get<{ Params: RefParams }>('/users/:ref', { config: { access: staff } }, async (req): Promise<User> => {
    return toUser(assertSeesUser(principalOf(req), await findUser(db, req.params.ref), req.params.ref));
  });

  app.post('/users', { config: { access: staff } }, async (req, reply): Promise<User> => {
    const p = principalOf(req);
    const body = parseBody(createUserRequest, req.body);
    const user = await mutate(services, req, async (m) => {
      const teamId = isAdmin(p) ? ((await resolveTeamId(m.tx, body.team)) ?? null) : ((await resolveTeamId(m.tx, body.team)) ?? p.teamId);
      assertTeamAdminMayChange(p, undefined, body.role, teamId);
      const created = await insertUser(m.tx, {
        username: body.email,
        email: body.email,
        name: body.name,
        role: body.role,
        teamId,
        passwordHash: body.password ? await hashPassword(body.password) : null,
      }).catch(uniqueViolation(`a user with the email ${body.email} already exists`));
      const limited = await updateUser(m.tx, created.id, { rpm: body.rpm, tpm: body.tpm, concurrency: body.concurrency });
      await m.audit({ action: 'user.create', targetType: 'user', targetId: created.id, after: toUser(limited) });
      return limited;
    });
    reply.code(201);
    return toUser(user);
  });

  app.patch<{ Params: RefParams }>('/users/:ref', { config: { access: staff } }, async (req): Promise<User> => {
    const p = principalOf(req);
    const body = parseBody(updateUserRequest, req.body);
    if (Object.keys(body).length === 0) throw invalidRequest('nothing to update: give at least one field');
    const user = await mutate(services, req, async (m) => {
      const before = assertSeesUser(p, await findUser(m.tx, req.params.ref), req.params.ref);
      const teamId = await resolveTeamId(m.tx, body.team);
      assertTeamAdminMayChange(p, before, body.role, teamId);
      if (!isAdmin(p) && before.id === p.userId && (body.rpm !== undefined || body.tpm !== undefined || body.concurrency !== undefined)) {
        throw forbidden('only an admin can change your own rate limits');
      }
      const patch: UserPatch = {
        email: body.email,
        name: body.name,
        role: body.role,
        teamId,
        passwordHash: body.password ? await hashPassword(body.password) : undefined,
        rpm: body.rpm,
        tpm: body.tpm,
        concurrency: body.concurrency,
      };
      await assertAdminRemains(m.tx, before, patch);
      const after = await updateUser(m.tx, before.id, patch).catch(uniqueViolation(`a user with the email ${body.email} already exists`));
      await m.audit({ action: 'user.update', targetType: 'user', targetId: before.id, before: toUser(before), after: toUser(after) });
      await m.invalidate({ kind: 'user', id: before.id });
      return after;
    });
    return toUser(user);
  });

  for (const [verb, active] of [['deactivate', false], ['activate', true]] as const) {
    app.post<{ Params: RefParams }>(`/users/:ref/${verb}`, { config: { access: staff } }, async (req): Promise<User> => {
      const p = principalOf(req);
      const user = await mutate(services, req, async (m) => {
        const before = assertSeesUser(p, await findUser(m.tx, req.params.ref), req.params.ref);
        if (!active && before.id === p.userId) throw invalidRequest('you cannot deactivate yourself');
        assertTeamAdminMayChange(p, before, undefined, undefined);
        await assertAdminRemains(m.tx, before, { active });
        const after = await updateUser(m.tx, before.id, { active });
        // Open sessions end with deactivation; keys stay revocable but stop working while inactive.
        if (!active) await m.tx.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [before.id]);
        if (!active && before.active) await emitUserDeactivated(m.tx, before.id, { via: 'admin', actor: describePrincipal(p) });
        await m.audit({ action: `user.${verb}`, targetType: 'user', targetId: before.id, before: toUser(before), after: toUser(after) });
        await m.invalidate({ kind: 'user', id: before.id });
        return after;
      });
      return toUser(user);
    });
  }
}
