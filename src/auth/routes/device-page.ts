import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../api/errors.js';
import { approveDeviceCode, denyDeviceCode, findPendingDeviceCode, type DeviceCodeRow } from '../../db/repos/device-codes.js';
import type { Services } from '../../server/services.js';
import { anonymous } from '../access.js';
import { AttemptThrottle } from '../attempt-throttle.js';
import { redirectToIdp } from '../oidc/sign-in.js';
import { verifyPasswordLogin } from '../password-login.js';
import { normalizeUserCode } from '../user-code.js';
import { escapeHtml, sendErrorPage, sendPage, signInErrorStatus } from './html.js';

/**
 * `/device`: where a person confirms the code their CLI shows, then signs in at the company
 * IdP (or, on a gateway with no IdP, with their ccag password). Server-rendered, no scripts.
 */
export async function devicePageRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, config, sso } = services;
  // Wrong codes per address: 34 bits of code space against 10 guesses per 10 minutes.
  const guesses = new AttemptThrottle(10, 10 * 60_000);
  const secure = config.publicUrl.startsWith('https://');
  app.setErrorHandler((err, _req, reply) => sendErrorPage(reply, err, signInErrorStatus));

  app.get('/device', { config: { access: anonymous } }, async (req, reply) => {
    const typed = (req.query as { user_code?: string }).user_code;
    if (!typed) return codeForm(reply);
    const found = await lookUp(req, typed);
    if (typeof found === 'string') return codeForm(reply, found, 400);
    return confirmPage(reply, found);
  });

  app.post('/device', { config: { access: anonymous } }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const found = await lookUp(req, body.user_code ?? '');
    if (typeof found === 'string') return codeForm(reply, found, 400);
    if (body.action === 'deny') {
      await denyDeviceCode(db, found.id);
      return sendPage(reply, 200, 'Sign-in refused', '<p>The device was not signed in. You can close this window.</p>');
    }
    const idps = await sso.idps.enabled();
    if (idps.length) {
      const idp = idps.find((p) => p.id === body.idp) ?? (idps.length === 1 ? idps[0] : undefined);
      if (!idp) return confirmPage(reply, found, 'Choose how to sign in.');
      return redirectToIdp(db, req, reply, sso.idps.client(idp), { purpose: 'device', deviceCodeId: found.id, secure });
    }
    if (!body.username || !body.password) return confirmPage(reply, found, 'Enter your user name and password.');
    try {
      const user = await verifyPasswordLogin(db, { username: body.username, password: body.password, ip: req.ip });
      await approveDeviceCode(db, found.id, { userId: user.id, idpId: null, idpRefreshSealed: null });
      return signedInPage(reply, user.username);
    } catch (err) {
      if (err instanceof GatewayError && err.status < 500) return confirmPage(reply, found, err.message, err.status);
      throw err;
    }
  });

  /** The pending code a person typed, or what to tell them. */
  async function lookUp(req: FastifyRequest, typed: string): Promise<DeviceCodeRow | string> {
    const code = normalizeUserCode(typed);
    const row = code ? await findPendingDeviceCode(db, code) : undefined;
    if (row) return row;
    const wait = guesses.take(req.ip);
    if (wait) return `Too many wrong codes from this address. Try again in ${Math.ceil(wait / 60)} minutes.`;
    return 'That code is not valid or has expired. Check it, or start the login again in your terminal.';
  }

  async function confirmPage(reply: FastifyReply, code: DeviceCodeRow, message?: string, status = 200): Promise<FastifyReply> {
    const idps = await sso.idps.enabled();
    const hidden = `<input type="hidden" name="user_code" value="${escapeHtml(code.user_code)}">`;
    const signIn = idps.length
      ? idps.map((p) => `<button type="submit" name="idp" value="${escapeHtml(p.id)}">Continue with ${escapeHtml(p.name)}</button>`).join('')
      : `<label for="username">User name</label><input id="username" name="username" autocomplete="username" required>` +
        `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>` +
        `<button type="submit">Sign in and connect</button>`;
    return sendPage(
      reply,
      status,
      'Connect a device',
      (message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '') +
        `<p>Check that your terminal shows this code:</p><p class="code">${escapeHtml(code.user_code)}</p>` +
        `<p class="muted">Requested ${escapeHtml(new Date(code.created_at).toISOString().slice(0, 16).replace('T', ' '))} UTC` +
        `${code.ip ? ` from ${escapeHtml(code.ip)}` : ''}. If you did not start this, refuse it.</p>` +
        `<form method="post" action="/device">${hidden}${signIn}</form>` +
        `<form method="post" action="/device">${hidden}<button type="submit" name="action" value="deny">Refuse</button></form>`,
    );
  }
}

function codeForm(reply: FastifyReply, message?: string, status = 200): FastifyReply {
  return sendPage(
    reply,
    status,
    'Connect a device',
    (message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '') +
      `<form method="get" action="/device"><label for="user_code">Enter the code shown in your terminal</label>` +
      `<input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" placeholder="XXXX-XXXX" required>` +
      `<button type="submit">Continue</button></form>`,
  );
}

export function signedInPage(reply: FastifyReply, who: string): FastifyReply {
  return sendPage(reply, 200, 'Device connected', `<p>Signed in as <strong>${escapeHtml(who)}</strong>. Return to your terminal; you can close this window.</p>`);
}
