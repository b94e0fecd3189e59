import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { credentialAccount, deleteSecret, getSecret, setSecret } from './credentials.js';
import type { TokenResponse } from './device-login.js';
import { CliError, exitCodes } from './errors.js';
import { withFileLock } from './file-lock.js';
import { configDir } from './profiles.js';

/**
 * The tokens of a device login, per profile and gateway, in the OS keychain (file fallback):
 * the refresh token, and the current access token with its expiry so that `ccag token`
 * answers from the cache until the token is near its end.
 */
interface CachedAccess {
  token: string;
  /** Epoch ms. */
  issued_at: number;
  expires_at: number;
}

const accounts = (profile: string, url: string) => {
  const base = credentialAccount(profile, url);
  return { refresh: `${base}#refresh`, access: `${base}#access`, key: `${base}#connect` };
};

/** The static key `ccag connect --key` stored, if any. */
export function storedKey(profile: string, url: string): Promise<string | undefined> {
  return getSecret(accounts(profile, url).key);
}

export async function storeKey(profile: string, url: string, key: string): Promise<void> {
  await forgetTokens(profile, url);
  await setSecret(accounts(profile, url).key, key);
}

export async function hasDeviceLogin(profile: string, url: string): Promise<boolean> {
  return (await getSecret(accounts(profile, url).refresh)) !== undefined;
}

/** Keeps a fresh token response (device login or refresh). */
export async function storeTokens(profile: string, url: string, tokens: TokenResponse): Promise<void> {
  const a = accounts(profile, url);
  const now = Date.now();
  await setSecret(a.refresh, tokens.refresh_token);
  await setSecret(a.access, JSON.stringify({ token: tokens.access_token, issued_at: now, expires_at: now + tokens.expires_in * 1000 } satisfies CachedAccess));
}

/** Stores a new device login's tokens, ending the profile's previous sign-in at the gateway. */
export async function replaceTokens(profile: string, url: string, tokens: TokenResponse): Promise<void> {
  const previous = await forgetTokens(profile, url);
  if (previous) {
    const { oauthPost } = await import('./device-login.js');
    await oauthPost(`${url}/oauth/revoke`, { token: previous }).catch(() => undefined);
  }
  await storeTokens(profile, url, tokens);
}

/** Forgets every credential connect stored for the profile; returns the refresh token, for revocation. */
export async function forgetTokens(profile: string, url: string): Promise<string | undefined> {
  const a = accounts(profile, url);
  const refresh = await getSecret(a.refresh);
  for (const account of [a.refresh, a.access, a.key]) await deleteSecret(account);
  return refresh;
}

/**
 * The cached access token while it outlives Claude Code's cache of it: Claude Code keeps the
 * helper's answer for half a token's life (see helperTtlMs), so a token is handed out only
 * with more than that (and a margin) left.
 */
async function freshCachedAccess(profile: string, url: string, minRemainingMs?: number): Promise<CachedAccess | undefined> {
  const text = await getSecret(accounts(profile, url).access);
  if (!text) return undefined;
  try {
    const cached = JSON.parse(text) as CachedAccess;
    const lifetime = cached.expires_at - cached.issued_at;
    const margin = minRemainingMs ?? lifetime / 2 + Math.min(60_000, lifetime / 10);
    return cached.expires_at - Date.now() > margin ? cached : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A valid access token: the cached one, or a refreshed one. Refreshing happens under a lock
 * file, and the cache is read again once the lock is held, so ten parallel calls at expiry
 * refresh once and all print the same new token.
 */
export async function accessToken(profile: string, url: string): Promise<string> {
  const cached = await freshCachedAccess(profile, url);
  if (cached) return cached.token;
  const lockName = createHash('sha256').update(credentialAccount(profile, url)).digest('hex').slice(0, 24);
  return withFileLock(join(configDir(), 'locks', `${lockName}.lock`), async () => {
    const again = await freshCachedAccess(profile, url);
    if (again) return again.token;
    const refreshToken = await getSecret(accounts(profile, url).refresh);
    if (!refreshToken) throw notConnected(url);
    // Loaded only when refreshing: `ccag token` answers from the cache without the HTTP client.
    const { OAuthResponseError, oauthPost } = await import('./device-login.js');
    let tokens: TokenResponse;
    try {
      tokens = await oauthPost<TokenResponse>(`${url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken });
    } catch (err) {
      // The tokens stay stored: a deactivated user who is reactivated works again without a new connect.
      if (err instanceof OAuthResponseError && err.error === 'invalid_grant') {
        throw new CliError(`your sign-in to ${url} has ended (${err.description}); run \`ccag connect ${url}\` again`, exitCodes.auth, 'authentication_error');
      }
      // Gateway briefly unreachable: a token that has not quite expired still beats none.
      const stillValid = await freshCachedAccess(profile, url, 0);
      if (stillValid) return stillValid.token;
      throw err;
    }
    await storeTokens(profile, url, tokens);
    return tokens.access_token;
  });
}

export function notConnected(url: string): CliError {
  return new CliError(`not connected to ${url}: run \`ccag connect ${url}\``, exitCodes.auth, 'authentication_error');
}

/** The credential for Claude Code: a static key from `connect --key`, or a fresh access token. */
export async function connectCredential(profile: string, url: string): Promise<string> {
  const key = await storedKey(profile, url);
  if (key) return key;
  if (!(await hasDeviceLogin(profile, url))) throw notConnected(url);
  return accessToken(profile, url);
}
