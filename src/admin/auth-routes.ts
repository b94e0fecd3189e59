import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../api/errors.js';
import { loginRequest, type LoginResponse, type Me } from '../api/schemas.js';
import { adminApi, anonymous, anyCredential } from '../auth/access.js';
import { passwordLogin } from '../auth/password-login.js';
import { revokeSession } from '../db/repos/sessions.js';
import { findTeam } from '../db/repos/teams.js';
import { findUser, toUser } from '../db/repos/users.js';
import type { Services } from '../server/services.js';
import { mutate } from './mutation.js';
import { parseBody, principalOf } from './request.js';

/** Password login, logout, and "who am I". */
export async function authRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, config } = services;

  app.post('/auth/login', { config: { access: anonymous } }, async (req): Promise<LoginResponse> => {
    const body = parseBody(loginRequest, req.body);
    const result = await passwordLogin(db, {
      ...body,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      sessionMaxAgeMs: config.sessionMaxAgeMs,
    });
    return { token: result.token, expires_at: result.expiresAt.toISOString(), user: toUser(result.user) };
  });

  app.post('/auth/logout', { config: { access: adminApi() } }, async (req, reply) => {
    const p = principalOf(req);
    if (p.method === 'token') {
      await services.sso.deviceSessions.end(p.sessionId!, 'signed out');
      return reply.code(204).send();
    }
    if (!p.sessionId) throw invalidRequest('logout ends a login session; to stop a key from working, revoke it (ccag keys revoke)');
    const sessionId = p.sessionId;
    await mutate(services, req, async (m) => {
      await revokeSession(m.tx, sessionId);
      await m.invalidate({ kind: 'session', id: sessionId });
    });
    return reply.code(204).send();
  });

  app.get('/me', { config: { access: anyCredential } }, async (req): Promise<Me> => {
    const p = principalOf(req);
    const user = p.userId ? await findUser(db, p.userId) : undefined;
    const team = p.teamId ? await findTeam(db, p.teamId) : undefined;
    return {
      user: user ? toUser(user) : null,
      team: team ? { id: team.id, name: team.name } : null,
      role: p.role,
      auth: {
        method: p.method,
        ...(p.keyId ? { key_id: p.keyId, key_prefix: p.keyPrefix } : {}),
        scope: p.scope,
        expires_at: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
      },
    };
  });
}
