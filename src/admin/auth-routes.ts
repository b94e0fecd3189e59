import type { FastifyInstance } from 'fastify';
import { forbidden, invalidRequest } from '../api/errors.js';
import { loginRequest, type CookieLoginResponse, type LoginResponse, type Me } from '../api/schemas.js';
import { adminApi, anonymous, anyCredential, sameOrigin } from '../auth/access.js';
import { cookie, parseCookies, sessionCookie } from '../auth/cookies.js';
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
  const secure = config.publicUrl.startsWith('https://');

  app.post('/auth/login', { config: { access: anonymous } }, async (req, reply): Promise<LoginResponse | CookieLoginResponse> => {
    const { cookie: inCookie, ...body } = parseBody(loginRequest, req.body);
    // A cross-site form must not sign the browser into someone else's account (login CSRF).
    if (inCookie && !sameOrigin(req.headers, config.publicUrl)) {
      throw forbidden("cross-site request refused: a cookie login must come from this gateway's pages");
    }
    const result = await passwordLogin(db, {
      ...body,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
      sessionMaxAgeMs: config.sessionMaxAgeMs,
    });
    const signedIn = { expires_at: result.expiresAt.toISOString(), user: toUser(result.user) };
    if (!inCookie) return { token: result.token, ...signedIn };
    // The portal: the token stays in an HttpOnly cookie, out of reach of the page's scripts.
    reply.header('set-cookie', cookie(sessionCookie, result.token, { secure, maxAgeSeconds: Math.floor(config.sessionMaxAgeMs / 1000) }));
    reply.header('cache-control', 'no-store');
    return signedIn;
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
    if (parseCookies(req.headers.cookie)[sessionCookie]) reply.header('set-cookie', cookie(sessionCookie, '', { secure, maxAgeSeconds: 0 }));
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
