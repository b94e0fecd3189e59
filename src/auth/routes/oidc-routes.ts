import type { FastifyInstance } from 'fastify';
import { GatewayError, invalidRequest } from '../../api/errors.js';
import { approveDeviceCode, denyDeviceCode } from '../../db/repos/device-codes.js';
import { revokeSession } from '../../db/repos/sessions.js';
import type { Services } from '../../server/services.js';
import { anonymous } from '../access.js';
import { cookie, parseCookies, safeReturnPath, sessionCookie } from '../cookies.js';
import { completeAtIdp, redirectToIdp, takePendingSignIn } from '../oidc/sign-in.js';
import { openSession } from '../password-login.js';
import { hashSecret } from '../random-token.js';
import { isSessionToken } from '../session-token.js';
import { resolveSsoUser, SsoRefusal } from '../sso-user.js';
import { signedInPage } from './device-page.js';
import { sendErrorPage, sendPage, signInErrorStatus } from './html.js';

/** Browser sign-in through an OIDC IdP (authorization code + PKCE) for the portal and device login. */
export async function oidcRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, config, sso, credentials } = services;
  const secure = config.publicUrl.startsWith('https://');

  app.setErrorHandler((err, _req, reply) => sendErrorPage(reply, err, signInErrorStatus));

  // Portal sign-in: /auth/oidc/login?idp=NAME&return_to=/portal/…
  app.get('/auth/oidc/login', { config: { access: anonymous } }, async (req, reply) => {
    const q = req.query as { idp?: string; return_to?: string };
    const returnTo = safeReturnPath(q.return_to);
    if (!returnTo) throw new GatewayError('invalid_request_error', 'return_to must be a path on this gateway, such as /portal/');
    const idps = await sso.idps.enabled();
    const idp = q.idp ? idps.find((p) => p.name.toLowerCase() === q.idp!.toLowerCase() || p.id === q.idp) : idps.length === 1 ? idps[0] : undefined;
    if (!idp) throw new GatewayError(idps.length ? 'not_found_error' : 'invalid_request_error', idps.length ? `no enabled identity provider ${q.idp ?? ''}; pass ?idp=NAME` : 'no identity provider is configured; sign in with a password');
    return redirectToIdp(db, req, reply, sso.idps.client(idp), { purpose: 'portal', returnTo, secure });
  });

  app.get('/auth/oidc/callback', { config: { access: anonymous } }, async (req, reply) => {
    const q = req.query as { code?: string; state?: string; error?: string; error_description?: string };
    if (!q.state) throw invalidRequest('the identity provider sent no state; start the sign-in again');
    const pending = await takePendingSignIn(db, req, q.state);
    if (q.error || !q.code) {
      if (pending.purpose === 'device' && pending.device_code_id && q.error === 'access_denied') await denyDeviceCode(db, pending.device_code_id);
      throw new SsoRefusal(`the identity provider did not sign you in: ${q.error_description ?? q.error ?? 'no code'}`);
    }
    const rp = await sso.idps.get(pending.idp_id);
    if (!rp) throw new SsoRefusal('this identity provider was disabled or removed; start again');
    const { claims, idpRefreshToken } = await completeAtIdp(rp, q.code, pending);
    const user = await db.transaction(async (tx) => {
      const user = await resolveSsoUser(tx, rp.idp, claims);
      await credentials.announceIn(tx, { kind: 'user', id: user.id });
      if (pending.purpose === 'device') {
        const approved = await approveDeviceCode(tx, pending.device_code_id!, {
          userId: user.id,
          idpId: rp.idp.id,
          idpRefreshSealed: idpRefreshToken ? sso.secrets.encrypt(idpRefreshToken) : null,
        });
        if (!approved) throw new SsoRefusal('the device code expired or was already used; start the login again in your terminal');
      }
      return user;
    });
    credentials.forget({ kind: 'user', id: user.id });
    if (pending.purpose === 'device') return signedInPage(reply, user.email ?? user.username);
    const session = await openSession(db, user.id, { ip: req.ip, userAgent: req.headers['user-agent'], sessionMaxAgeMs: config.sessionMaxAgeMs });
    return reply
      .header('set-cookie', cookie(sessionCookie, session.token, { secure, maxAgeSeconds: Math.floor(config.sessionMaxAgeMs / 1000) }))
      .header('cache-control', 'no-store')
      .redirect(pending.return_to ?? '/portal/', 303);
  });

  // Ends the browser's session (the portal's sign-out button posts here).
  app.post('/auth/logout', { config: { access: anonymous } }, async (req, reply) => {
    const token = parseCookies(req.headers.cookie)[sessionCookie];
    if (token && isSessionToken(token)) {
      const { rows } = await db.query<{ id: string }>('SELECT id FROM sessions WHERE token_hash = $1', [hashSecret(token)]);
      if (rows[0]) {
        await db.transaction(async (tx) => {
          await revokeSession(tx, rows[0]!.id);
          await credentials.announceIn(tx, { kind: 'session', id: rows[0]!.id });
        });
        credentials.forget({ kind: 'session', id: rows[0].id });
      }
    }
    reply.header('set-cookie', cookie(sessionCookie, '', { secure, maxAgeSeconds: 0 }));
    return sendPage(reply, 200, 'Signed out', '<p>You are signed out.</p>');
  });
}
