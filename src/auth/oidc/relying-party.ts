import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose';
import { request } from 'undici';
import { assertNotMetadataUrl, guardedFetch, idpDispatcher } from './address-guard.js';
import type { IdentityProviderRow } from '../../db/repos/identity-providers.js';

/** What ccag reads of an IdP's discovery document. */
export interface OidcMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
}

export interface TokenSet {
  id_token?: string;
  access_token?: string;
  refresh_token?: string;
}

/** The IdP said no (bad code, refresh token revoked, user gone): a definite answer. */
export class IdpRefusal extends Error {
  override name = 'IdpRefusal';
}

/** The IdP could not be asked (network, timeout, 5xx, bad discovery): try again later. */
export class IdpUnavailable extends Error {
  override name = 'IdpUnavailable';
}

// ID tokens are accepted only with asymmetric signatures: an HS256 token "signed" with a
// public key, or alg none, must never verify.
const asymmetricAlgs = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const discoveryTtlMs = 3_600_000;
const timeoutMs = 10_000;
const wellKnownSuffix = '/.well-known/openid-configuration';

/**
 * The gateway as an OIDC client of one identity provider: discovery (cached), the
 * authorization-code request with PKCE, the code exchange, ID-token verification against the
 * IdP's JWKS (cached; an unknown kid refetches it, at most every 30 s), userinfo and refresh.
 */
export class OidcRelyingParty {
  private metadata?: { value: Promise<OidcMetadata>; at: number };
  private jwks?: { uri: string; keys: ReturnType<typeof createRemoteJWKSet> };

  constructor(
    readonly idp: IdentityProviderRow,
    private readonly clientSecret: string | undefined,
    readonly redirectUri: string,
    /** How soon after a JWKS fetch an unknown kid may fetch it again. */
    private readonly jwksCooldownMs = 30_000,
  ) {}

  discover(): Promise<OidcMetadata> {
    if (!this.metadata || Date.now() - this.metadata.at > discoveryTtlMs) {
      const value = fetchMetadata(this.idp.issuer);
      // A failed discovery is not cached: the next sign-in tries again.
      value.catch(() => {
        if (this.metadata?.value === value) this.metadata = undefined;
      });
      this.metadata = { value, at: Date.now() };
    }
    return this.metadata.value;
  }

  async authorizationUrl(p: { state: string; nonce: string; codeChallenge: string }): Promise<string> {
    const m = await this.discover();
    const url = new URL(m.authorization_endpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.idp.client_id);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('scope', this.idp.scopes.join(' '));
    url.searchParams.set('state', p.state);
    url.searchParams.set('nonce', p.nonce);
    url.searchParams.set('code_challenge', p.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  exchangeCode(code: string, codeVerifier: string): Promise<TokenSet> {
    return this.tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: this.redirectUri, code_verifier: codeVerifier });
  }

  refresh(refreshToken: string): Promise<TokenSet> {
    return this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** The ID token's claims, verified: signature (asymmetric only), issuer, audience, expiry, nonce. */
  async verifyIdToken(idToken: string, nonce: string | undefined): Promise<JWTPayload> {
    const m = await this.discover();
    if (this.jwks?.uri !== m.jwks_uri) {
      this.jwks = { uri: m.jwks_uri, keys: createRemoteJWKSet(new URL(m.jwks_uri), { cooldownDuration: this.jwksCooldownMs, cacheMaxAge: 600_000, timeoutDuration: 5_000, [customFetch]: guardedFetch }) };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, this.jwks.keys, { algorithms: asymmetricAlgs, issuer: m.issuer, audience: this.idp.client_id, clockTolerance: 60 }));
    } catch (err) {
      throw new IdpRefusal(`the ID token from ${this.idp.name} did not verify: ${(err as Error).message}`);
    }
    if (nonce !== undefined && payload.nonce !== nonce) throw new IdpRefusal(`the ID token from ${this.idp.name} has the wrong nonce`);
    return payload;
  }

  async userinfo(accessToken: string): Promise<Record<string, unknown>> {
    const m = await this.discover();
    if (!m.userinfo_endpoint) return {};
    return (await httpJson('GET', m.userinfo_endpoint, { authorization: `Bearer ${accessToken}` })).body;
  }

  private async tokenRequest(params: Record<string, string>): Promise<TokenSet> {
    const m = await this.discover();
    const form = new URLSearchParams(params);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const methods = m.token_endpoint_auth_methods_supported;
    if (!this.clientSecret) form.set('client_id', this.idp.client_id);
    else if (!methods || methods.includes('client_secret_basic')) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.idp.client_id)}:${encodeURIComponent(this.clientSecret)}`).toString('base64')}`;
    } else {
      form.set('client_id', this.idp.client_id);
      form.set('client_secret', this.clientSecret);
    }
    const res = await httpJson('POST', m.token_endpoint, headers, form.toString());
    if (res.status >= 400) {
      const error = typeof res.body.error === 'string' ? res.body.error : `HTTP ${res.status}`;
      const description = typeof res.body.error_description === 'string' ? `: ${res.body.error_description}` : '';
      if (res.status >= 500) throw new IdpUnavailable(`${this.idp.name} token endpoint failed (${error})`);
      throw new IdpRefusal(`${this.idp.name} refused: ${error}${description}`);
    }
    return res.body as TokenSet;
  }
}

/** The discovery URL for an issuer (or the discovery URL itself, when given that). */
export function discoveryUrl(issuer: string): string {
  return issuer.endsWith(wellKnownSuffix) ? issuer : issuer.replace(/\/+$/, '') + wellKnownSuffix;
}

async function fetchMetadata(issuer: string): Promise<OidcMetadata> {
  const res = await httpJson('GET', discoveryUrl(issuer));
  if (res.status !== 200) throw new IdpUnavailable(`discovery at ${discoveryUrl(issuer)} answered HTTP ${res.status}`);
  const m = res.body as Partial<OidcMetadata>;
  for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof m[field] !== 'string') throw new IdpUnavailable(`discovery at ${discoveryUrl(issuer)} has no ${field}`);
  }
  if (!issuer.endsWith(wellKnownSuffix) && m.issuer!.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) {
    throw new IdpUnavailable(`discovery at ${discoveryUrl(issuer)} names the issuer ${m.issuer}, not ${issuer}`);
  }
  return m as OidcMetadata;
}

async function httpJson(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let res;
  try {
    assertNotMetadataUrl(url);
    res = await request(url, { method, headers: { accept: 'application/json', ...headers }, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, dispatcher: idpDispatcher });
  } catch (err) {
    throw new IdpUnavailable(`cannot reach ${new URL(url).origin}: ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
  const text = await res.body.text();
  try {
    const parsed = JSON.parse(text) as unknown;
    return { status: res.statusCode, body: parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {} };
  } catch {
    if (res.statusCode >= 400) return { status: res.statusCode, body: {} };
    throw new IdpUnavailable(`${url} did not answer JSON (HTTP ${res.statusCode})`);
  }
}
