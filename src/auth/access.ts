import { forbidden, unauthenticated } from '../api/errors.js';
import { roles as allRoles, type KeyScope, type Role } from '../api/schemas.js';
import { parseCookies, sessionCookie } from './cookies.js';
import type { CredentialCache } from './credential-cache.js';
import type { Principal } from './principal.js';

/**
 * Who may call a route, declared on the route itself (`config.access`) and enforced by one
 * hook; the route-auth test enumerates every route's declaration.
 */
export type Access =
  | { anonymous: true }
  /** SCIM provisioning: the bearer token of an identity provider (checked by the SCIM routes' hook). */
  | { scim: true }
  /** GET /metrics: anyone while CCAG_METRICS_TOKEN is unset, else that bearer token (checked by the route). */
  | { metricsToken: true }
  | { anonymous?: false; scopes: readonly KeyScope[]; roles: readonly Role[] };

export const anonymous: Access = { anonymous: true };
export const scimToken: Access = { scim: true };
export const metricsToken: Access = { metricsToken: true };
/** Any valid credential, even an inference-only key (e.g. "who am I"). */
export const anyCredential: Access = { scopes: ['inference', 'admin'], roles: allRoles };
/** The admin API for the given roles: sessions and admin-scope keys. */
export const adminApi = (...roles: Role[]): Access => ({ scopes: ['admin'], roles: roles.length ? roles : allRoles });

/** The credential a request carries: `x-api-key`, or `Authorization: Bearer`. */
export function credentialFrom(headers: Record<string, string | string[] | undefined>): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim()) return apiKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function authorize(
  access: Access,
  req: { method: string; headers: Record<string, string | string[] | undefined> },
  credentials: CredentialCache,
  publicUrl: string,
): Promise<Principal | undefined> {
  if ('scim' in access || 'metricsToken' in access || access.anonymous) return undefined;
  let credential = credentialFrom(req.headers);
  if (!credential) {
    // The portal's session cookie. A cookie rides along on cross-site requests too, so a
    // change made with one must come from a page of this gateway (CSRF).
    credential = parseCookies(req.headers.cookie as string | undefined)[sessionCookie];
    if (credential && !safeMethods.has(req.method) && !sameOrigin(req.headers, publicUrl)) {
      throw forbidden('cross-site request refused: a change made with the session cookie must come from this gateway\'s pages');
    }
  }
  if (!credential) throw unauthenticated('missing credentials: send an API key in x-api-key or Authorization: Bearer');
  const principal = await credentials.authenticate(credential);
  if (!access.scopes.includes(principal.scope)) {
    throw forbidden('this key has scope inference; the admin API needs a key with scope admin or a login session (ccag login)');
  }
  if (!access.roles.includes(principal.role)) {
    throw forbidden(`this needs the role ${access.roles.join(' or ')}; you are ${principal.role}`);
  }
  return principal;
}

/** The request's Origin (or, without one, Referer) is the gateway's own. */
export function sameOrigin(headers: Record<string, string | string[] | undefined>, publicUrl: string): boolean {
  const source = headers.origin ?? headers.referer;
  if (typeof source !== 'string') return false;
  try {
    return new URL(source).origin === new URL(publicUrl).origin;
  } catch {
    return false;
  }
}
