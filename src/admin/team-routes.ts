import type { FastifyInstance } from 'fastify';
import { conflict, forbidden, invalidRequest, notFound } from '../api/errors.js';
import { addMemberRequest, createTeamRequest, listQuery, updateTeamRequest, type Page, type Team, type User } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import type { Queryable } from '../db/db.js';
import { decodeCursor } from '../db/repos/page.js';
import { teamPolicyNames } from '../db/repos/policies.js';
import { deleteTeam, findTeam, insertTeam, listTeams, toTeam, updateTeam, type TeamRow } from '../db/repos/teams.js';
import { findUser, listUsers, toUser, updateUser } from '../db/repos/users.js';
import type { Services } from '../server/services.js';
import { mutate } from './mutation.js';
import { assertManagesTeam, isAdmin } from './permissions.js';
import { type RefParams, parseBody, parseQuery, principalOf } from './request.js';
import { uniqueViolation } from './unique-violation.js';

async function requireTeam(db: Queryable, ref: string): Promise<TeamRow> {
  const team = await findTeam(db, ref);
  if (!team) throw notFound(`no team ${ref}`);
  return team;
}

/** Teams and their members. Admins manage all teams; a team_admin sees and staffs its own. */
export async function teamRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db } = services;

  app.get('/teams', { config: { access: adminApi() } }, async (req): Promise<Page<Team>> => {
    const p = principalOf(req);
    const q = parseQuery(listQuery, req.query);
    if (isAdmin(p)) return listTeams(db, { limit: q.limit, after: decodeCursor(q.cursor) });
    const own = p.teamId ? await findTeam(db, p.teamId) : undefined;
    return { data: own ? [toTeam(own)] : [], next_cursor: null };
  });

  app.get<{ Params: RefParams }>('/teams/:ref', { config: { access: adminApi() } }, async (req): Promise<Team> => {
    const p = principalOf(req);
    const team = await findTeam(db, req.params.ref);
    if (!team || (!isAdmin(p) && p.teamId !== team.id)) throw notFound(`no team ${req.params.ref}`);
    return toTeam(team);
  });

  app.post('/teams', { config: { access: adminApi('admin') } }, async (req, reply): Promise<Team> => {
    const body = parseBody(createTeamRequest, req.body);
    const team = await mutate(services, req, async (m) => {
      const created = await insertTeam(m.tx, body).catch(uniqueViolation(`a team named ${body.name} already exists`));
      await m.audit({ action: 'team.create', targetType: 'team', targetId: created.id, after: toTeam(created) });
      return created;
    });
    reply.code(201);
    return toTeam(team);
  });

  app.patch<{ Params: RefParams }>('/teams/:ref', { config: { access: adminApi('admin') } }, async (req): Promise<Team> => {
    const body = parseBody(updateTeamRequest, req.body);
    const team = await mutate(services, req, async (m) => {
      const before = await requireTeam(m.tx, req.params.ref);
      const after = await updateTeam(m.tx, before.id, body).catch(uniqueViolation(`a team named ${body.name} already exists`));
      await m.audit({ action: 'team.update', targetType: 'team', targetId: before.id, before: toTeam(before), after: toTeam(after) });
      await m.invalidate({ kind: 'team', id: before.id });
      return after;
    });
    return toTeam(team);
  });

  app.delete<{ Params: RefParams }>('/teams/:ref', { config: { access: adminApi('admin') } }, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const team = await requireTeam(m.tx, req.params.ref);
      if (team.member_count > 0) {
        throw conflict(`team ${team.name} has ${team.member_count} member(s); remove them first (ccag teams remove-member)`);
      }
      const { rows } = await m.tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM api_keys WHERE team_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
        [team.id],
      );
      if (rows[0]!.n > 0) throw conflict(`team ${team.name} has ${rows[0]!.n} active key(s); revoke them first (ccag keys list --team ${team.name})`);
      const policies = await teamPolicyNames(m.tx, team.id);
      if (policies.length) throw conflict(`team ${team.name} has policies (${policies.join(', ')}); remove them first (ccag policies remove ${policies[0]})`);
      await m.tx.query('DELETE FROM api_keys WHERE team_id = $1', [team.id]);
      await deleteTeam(m.tx, team.id);
      await m.audit({ action: 'team.delete', targetType: 'team', targetId: team.id, before: toTeam(team) });
      await m.invalidate({ kind: 'team', id: team.id });
    });
    return reply.code(204).send();
  });

  app.get<{ Params: RefParams }>('/teams/:ref/members', { config: { access: adminApi('admin', 'team_admin') } }, async (req): Promise<Page<User>> => {
    const p = principalOf(req);
    const q = parseQuery(listQuery, req.query);
    const team = await requireTeam(db, req.params.ref);
    if (!isAdmin(p) && p.teamId !== team.id) throw notFound(`no team ${req.params.ref}`);
    return listUsers(db, { limit: q.limit, after: decodeCursor(q.cursor), teamId: team.id });
  });

  app.post<{ Params: RefParams }>('/teams/:ref/members', { config: { access: adminApi('admin', 'team_admin') } }, async (req, reply): Promise<User> => {
    const p = principalOf(req);
    const body = parseBody(addMemberRequest, req.body);
    const user = await mutate(services, req, async (m) => {
      const team = await requireTeam(m.tx, req.params.ref);
      assertManagesTeam(p, team.id, team.name);
      const before = await findUser(m.tx, body.user);
      if (!before) throw notFound(`no user ${body.user}`);
      if (!isAdmin(p)) {
        if (before.team_id !== null && before.team_id !== team.id) throw forbidden(`${body.user} belongs to another team; ask an admin to move them`);
        if (before.role === 'admin' || body.role === 'team_admin') throw forbidden('only an admin can make team admins or move admins');
      }
      if (before.role === 'admin' && body.role) throw invalidRequest(`${body.user} is an admin; change their role with ccag users update`);
      const after = await updateUser(m.tx, before.id, { teamId: team.id, role: body.role });
      await m.audit({ action: 'team.add_member', targetType: 'user', targetId: before.id, before: toUser(before), after: toUser(after) });
      await m.invalidate({ kind: 'user', id: before.id });
      return after;
    });
    reply.code(200);
    return toUser(user);
  });

  app.delete<{ Params: RefParams & { user: string } }>(
    '/teams/:ref/members/:user',
    { config: { access: adminApi('admin', 'team_admin') } },
    async (req, reply) => {
      const p = principalOf(req);
      await mutate(services, req, async (m) => {
        const team = await requireTeam(m.tx, req.params.ref);
        assertManagesTeam(p, team.id, team.name);
        const before = await findUser(m.tx, req.params.user);
        if (!before || before.team_id !== team.id) throw notFound(`${req.params.user} is not a member of team ${team.name}`);
        if (!isAdmin(p) && before.role === 'team_admin' && before.id !== p.userId) throw forbidden('only an admin can remove a team admin');
        const after = await updateUser(m.tx, before.id, { teamId: null, role: before.role === 'team_admin' ? 'member' : undefined });
        await m.audit({ action: 'team.remove_member', targetType: 'user', targetId: before.id, before: toUser(before), after: toUser(after) });
        await m.invalidate({ kind: 'user', id: before.id });
      });
      return reply.code(204).send();
    },
  );
}
