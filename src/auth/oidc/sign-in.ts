import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalidRequest } from '../../api/errors.js';
import type { Queryable } from '../../db/db.js';
import type { IdentityProviderRow } from '../../db/repos/identity-providers.js';
import { browserCookie, cookie, parseCookies } from '../cookies.js';
import { hashSecret, randomBase62 } from '../random-token.js';
import { groupsFrom, SsoRefusal, type Claims } from '../sso-user.js';
import type { OidcRelyingParty } from './relying-party.js';

/** An authorization request has this long to come back from the IdP. */
const signInLifetimeMs = 10 * 60_000;

export interface PendingSignIn {
  idp_id: string;
  nonce: string;
  code_verifier: string;
  browser_hash: string;
  purpose: 'portal' | 'device';
  device_code_id: string | null;
  return_to: string | null;
  expires_at: Date;
}

/**
 * Sends the browser to the IdP: state (one-time, bound to this browser by a cookie), nonce and
 * a PKCE verifier are kept in the database, so whichever replica gets the callback finishes it.
 */
export async function redirectToIdp(
  db: Queryable,
  req: FastifyRequest,
  reply: FastifyReply,
  rp: OidcRelyingParty,
  p: { purpose: 'portal' | 'device'; deviceCodeId?: string; returnTo?: string; secure: boolean },
): Promise<FastifyReply> {
  const browser = parseCookies(req.headers.cookie)[browserCookie] || randomBase62(32);
  const state = randomBase62(32);
  const nonce = randomBase62(32);
  const codeVerifier = randomBase62(48);
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const url = await rp.authorizationUrl({ state, nonce, codeChallenge });
  await db.query(
    `INSERT INTO oidc_logins (state_hash, idp_id, nonce, code_verifier, browser_hash, purpose, device_code_id, return_to, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [hashSecret(state), rp.idp.id, nonce, codeVerifier, hashSecret(browser), p.purpose, p.deviceCodeId ?? null, p.returnTo ?? null, new Date(Date.now() + signInLifetimeMs)],
  );
  return reply
    .header('set-cookie', cookie(browserCookie, browser, { secure: p.secure, maxAgeSeconds: signInLifetimeMs / 1000, path: '/auth/oidc' }))
    .header('cache-control', 'no-store')
    .redirect(url, 303);
}

/** Takes the sign-in a callback's state names (once: a replayed state finds nothing), checked against this browser. */
export async function takePendingSignIn(db: Queryable, req: FastifyRequest, state: string): Promise<PendingSignIn> {
  const { rows } = await db.query<PendingSignIn>('DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING *', [hashSecret(state)]);
  const pending = rows[0];
  if (!pending) throw invalidRequest('this sign-in link is unknown or was already used; start again');
  if (new Date(pending.expires_at).getTime() <= Date.now()) throw invalidRequest('this sign-in took too long; start again');
  const browser = parseCookies(req.headers.cookie)[browserCookie];
  if (!browser || hashSecret(browser) !== pending.browser_hash) throw invalidRequest('this sign-in was started in another browser; start again here');
  return pending;
}

/**
 * The code exchange and the verified identity: ID-token claims, completed from userinfo when
 * the user or groups claim is not in the ID token (Okta sends groups only there, for example).
 */
export async function completeAtIdp(rp: OidcRelyingParty, code: string, pending: PendingSignIn): Promise<{ claims: Claims; idpRefreshToken?: string }> {
  const tokens = await rp.exchangeCode(code, pending.code_verifier);
  if (!tokens.id_token) throw new SsoRefusal(`${rp.idp.name} returned no ID token; is the openid scope configured?`);
  let claims: Claims = await rp.verifyIdToken(tokens.id_token, pending.nonce);
  const idp: IdentityProviderRow = rp.idp;
  if (tokens.access_token && (claims[idp.user_claim] === undefined || groupsFrom(claims, idp.groups_claim).length === 0)) {
    const info: Record<string, unknown> = await rp.userinfo(tokens.access_token).catch(() => ({}));
    // The ID token's subject wins: userinfo for another subject is ignored.
    if (info.sub === undefined || info.sub === claims.sub) claims = { ...info, ...claims };
  }
  return { claims, idpRefreshToken: tokens.refresh_token };
}
