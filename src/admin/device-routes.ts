import type { FastifyInstance } from 'fastify';
import { notFound } from '../api/errors.js';
import { deviceSessionListQuery, type DeviceSession, type Page, type User } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import type { Queryable } from '../db/db.js';
import { findDeviceSession, revokeDeviceSession, revokeDeviceSessionsOf, type DeviceSessionRow } from '../db/repos/device-sessions.js';
import { cursorAtSql, decodeCursor, iso, toPage, type Cursor } from '../db/repos/page.js';
import { findUser, toUser } from '../db/repos/users.js';
import type { Services } from '../server/services.js';
import { mutate } from './mutation.js';
import { assertSeesUser, assertTeamAdminMayChange, isAdmin } from './permissions.js';
import { type RefParams, parseQuery, principalOf } from './request.js';

interface DeviceSessionListRow extends DeviceSessionRow {
  username: string;
  idp_name: string | null;
  cursor_at: string;
}

const toDeviceSession = (r: DeviceSessionListRow): DeviceSession => ({
  id: r.id,
  user_id: r.user_id,
  user: r.username,
  client_id: r.client_id,
  idp: r.idp_name,
  ip: r.ip,
  user_agent: r.user_agent,
  created_at: iso(r.created_at)!,
  expires_at: iso(r.expires_at)!,
  last_refresh_at: iso(r.last_refresh_at),
  revoked_at: iso(r.revoked_at),
  revoked_reason: r.revoked_reason,
});

async function listDeviceSessions(db: Queryable, o: { userId?: string; teamId?: string; all: boolean; limit: number; after?: Cursor }): Promise<Page<DeviceSession>> {
  const { rows } = await db.query<DeviceSessionListRow>(
    `SELECT s.*, u.username, p.name AS idp_name, ${cursorAtSql('s.created_at')}
     FROM device_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN identity_providers p ON p.id = s.idp_id
     WHERE ($1::uuid IS NULL OR s.user_id = $1) AND ($2::uuid IS NULL OR u.team_id = $2)
       AND ($3 OR (s.revoked_at IS NULL AND s.expires_at > now()))
       AND ($4::timestamptz IS NULL OR (s.created_at, s.id) > ($4::timestamptz, $5::uuid))
     ORDER BY s.created_at, s.id LIMIT $6`,
    [o.userId ?? null, o.teamId ?? null, o.all, o.after?.at ?? null, o.after?.id ?? null, o.limit + 1],
  );
  return toPage(rows, o.limit, toDeviceSession, (r) => ({ at: r.cursor_at, id: r.id }));
}

/**
 * Signed-in devices (device login) and signing a user out everywhere. Everyone sees and ends
 * their own; a team_admin those of their team; admins all.
 */
export async function deviceRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db } = services;

  app.get('/devices', { config: { access: adminApi() } }, async (req): Promise<Page<DeviceSession>> => {
    const p = principalOf(req);
    const q = parseQuery(deviceSessionListQuery, req.query);
    const user = q.user ? assertSeesUser(p, await findUser(db, q.user), q.user) : undefined;
    // Admin-scope credentials always have a user, so members see their own devices.
    const scope = user ? { userId: user.id } : isAdmin(p) ? {} : p.role === 'team_admin' && p.teamId ? { teamId: p.teamId } : { userId: p.userId! };
    return listDeviceSessions(db, { ...scope, all: q.all === 'true', limit: q.limit, after: decodeCursor(q.cursor) });
  });

  app.delete<{ Params: { id: string } }>('/devices/:id', { config: { access: adminApi() } }, async (req, reply) => {
    const p = principalOf(req);
    const ref = req.params.id;
    await mutate(services, req, async (m) => {
      const session = /^[0-9a-f-]{36}$/i.test(ref) ? await findDeviceSession(m.tx, ref) : undefined;
      if (!session) throw notFound(`no signed-in device ${ref}`);
      assertTeamAdminMayChange(p, assertSeesUser(p, await findUser(m.tx, session.user_id), ref), undefined, undefined);
      await revokeDeviceSession(m.tx, session.id, 'revoked by an admin or its user');
      await m.invalidate({ kind: 'session', id: session.id });
      await m.audit({ action: 'device.revoke', targetType: 'device_session', targetId: session.id });
    });
    return reply.code(204).send();
  });

  // Ends every device sign-in and login session of a user (keys are left alone: revoke those separately).
  app.post<{ Params: RefParams }>('/users/:ref/sign-out', { config: { access: adminApi('admin', 'team_admin') } }, async (req): Promise<User> => {
    const p = principalOf(req);
    return mutate(services, req, async (m) => {
      const user = assertSeesUser(p, await findUser(m.tx, req.params.ref), req.params.ref);
      assertTeamAdminMayChange(p, user, undefined, undefined);
      const ended = await revokeDeviceSessionsOf(m.tx, { userId: user.id }, 'signed out everywhere');
      const { rowCount } = await m.tx.query('UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
      await m.invalidate({ kind: 'user', id: user.id });
      await m.audit({ action: 'user.sign_out', targetType: 'user', targetId: user.id, after: { devices: ended.length, sessions: rowCount ?? 0 } });
      return toUser(user);
    });
  });
}
