import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/db.js';
import {
  claimIdpCheck,
  findRefreshTokenSession,
  insertDeviceSession,
  insertRefreshToken,
  lockRefreshToken,
  markRefreshTokenRotated,
  recordIdpCheck,
  releaseIdpCheck,
  revokeDeviceSession,
  touchDeviceSession,
  type DeviceSessionRow,
} from '../db/repos/device-sessions.js';
import { findUser } from '../db/repos/users.js';
import type { AccessTokenSigner } from './access-token.js';
import type { CredentialCache } from './credential-cache.js';
import { invalidGrant, OAuthError } from './oauth-error.js';
import { IdpRefusal, IdpUnavailable } from './oidc/relying-party.js';
import type { IdentityProviders } from './oidc/registry.js';
import { generateRefreshToken } from './refresh-token.js';
import { hashSecret } from './random-token.js';
import type { SecretBox } from './secret-key.js';

/** RFC 6749 §5.1 token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

export interface DeviceSessionPolicy {
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  maxAgeMs: number;
}

/**
 * A rotated refresh token still works this long, so that parallel refreshes (several Claude
 * Code sessions at once) do not look like theft; after it, reuse ends the whole sign-in.
 */
export const rotationGraceMs = 30_000;
/** When the IdP cannot be reached, refreshes go on this long after its last good answer. */
const idpOutageGraceMs = 3_600_000;

/**
 * Signed-in devices: the access token and rotating refresh token a device login hands out,
 * refresh with reuse detection and IdP re-check, and revocation.
 */
export class DeviceSessions {
  constructor(
    private readonly db: Db,
    private readonly signer: AccessTokenSigner,
    private readonly secrets: SecretBox,
    private readonly credentials: CredentialCache,
    private readonly idps: IdentityProviders,
    private readonly policy: DeviceSessionPolicy,
    private readonly log: Logger,
  ) {}

  /** Starts a signed-in device for a user (inside the caller's transaction). */
  async start(
    tx: Queryable,
    s: { userId: string; clientId: string; idpId: string | null; idpRefreshSealed: string | null; ip?: string | null; userAgent?: string | null },
  ): Promise<TokenResponse> {
    const session = await insertDeviceSession(tx, { ...s, expiresAt: new Date(Date.now() + this.policy.maxAgeMs) });
    return this.issue(tx, session);
  }

  /** The refresh_token grant: rotates the token, or says why not (RFC 6749 invalid_grant). */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const hash = hashSecret(refreshToken);
    const session = await findRefreshTokenSession(this.db, hash);
    if (!session) throw invalidGrant('unknown refresh token; run `ccag connect` again');
    if (!session.revoked_at) await this.recheckWithIdp(session);
    const outcome = await this.db.transaction(async (tx) => {
      const found = await lockRefreshToken(tx, hash);
      if (!found) return { error: invalidGrant('unknown refresh token; run `ccag connect` again') };
      const { token, session } = found;
      const refusal = await sessionRefusal(tx, session);
      if (refusal) return { error: invalidGrant(refusal) };
      if (new Date(token.expires_at).getTime() <= Date.now()) return { error: invalidGrant('refresh token expired; run `ccag connect` again') };
      if (token.rotated_at) {
        if (Date.now() - new Date(token.rotated_at).getTime() > rotationGraceMs) {
          // A rotated token presented again: someone else has a copy. End the sign-in.
          await revokeDeviceSession(tx, session.id, 'refresh token reuse');
          await this.credentials.announceIn(tx, { kind: 'session', id: session.id });
          return { error: invalidGrant('refresh token reuse detected: this sign-in was ended for safety; run `ccag connect` again'), revoked: session.id };
        }
      } else await markRefreshTokenRotated(tx, hash);
      await touchDeviceSession(tx, session.id);
      return { tokens: await this.issue(tx, session) };
    });
    if (outcome.revoked) {
      this.credentials.forget({ kind: 'session', id: outcome.revoked });
      this.log.warn({ deviceSession: outcome.revoked }, 'refresh token reuse; device sign-in revoked');
    }
    if (outcome.error) throw outcome.error;
    return outcome.tokens!;
  }

  /** RFC 7009 revocation of a refresh token: ends its whole sign-in. Unknown tokens are fine. */
  async revoke(refreshToken: string, reason = 'signed out'): Promise<void> {
    const session = await findRefreshTokenSession(this.db, hashSecret(refreshToken));
    if (session) await this.end(session.id, reason);
  }

  async end(sessionId: string, reason: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await revokeDeviceSession(tx, sessionId, reason);
      await this.credentials.announceIn(tx, { kind: 'session', id: sessionId });
    });
    this.credentials.forget({ kind: 'session', id: sessionId });
  }

  private async issue(tx: Queryable, session: DeviceSessionRow): Promise<TokenResponse> {
    const sessionEnds = new Date(session.expires_at);
    const refresh = generateRefreshToken();
    await insertRefreshToken(tx, {
      hash: refresh.hash,
      sessionId: session.id,
      expiresAt: new Date(Math.min(Date.now() + this.policy.refreshTokenTtlMs, sessionEnds.getTime())),
    });
    const access = await this.signer.sign({ sub: session.user_id, sid: session.id }, sessionEnds);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: Math.max(1, Math.floor((access.expiresAt.getTime() - Date.now()) / 1000)),
      refresh_token: refresh.token,
    };
  }

  /**
   * Where the IdP gave us a refresh token, each refresh (at most one a minute per device)
   * asks the IdP too: a user offboarded there loses access here without anyone touching ccag.
   */
  private async recheckWithIdp(session: DeviceSessionRow): Promise<void> {
    if (!session.idp_id || !session.idp_refresh_sealed) return;
    if (!(await claimIdpCheck(this.db, session.id))) return;
    const rp = await this.idps.get(session.idp_id);
    if (!rp) {
      await this.end(session.id, 'identity provider removed or disabled');
      throw invalidGrant('the identity provider of this sign-in was removed or disabled; run `ccag connect` again');
    }
    try {
      const tokens = await rp.refresh(this.secrets.decrypt(session.idp_refresh_sealed));
      await recordIdpCheck(this.db, session.id, tokens.refresh_token ? this.secrets.encrypt(tokens.refresh_token) : null);
    } catch (err) {
      if (err instanceof IdpRefusal) {
        await this.end(session.id, `${rp.idp.name} refused the refresh`);
        throw invalidGrant(`your sign-in at ${rp.idp.name} has ended; run \`ccag connect\` again`);
      }
      if (!(err instanceof IdpUnavailable)) throw err;
      await releaseIdpCheck(this.db, session.id);
      const lastGood = session.idp_checked_at ? new Date(session.idp_checked_at).getTime() : 0;
      this.log.warn({ idp: rp.idp.name, err: err.message }, 'identity provider unreachable during refresh');
      if (Date.now() - lastGood > idpOutageGraceMs) {
        throw new OAuthError('temporarily_unavailable', `${rp.idp.name} cannot be reached to confirm your sign-in; try again shortly`, 503);
      }
    }
  }
}

/** Why a device session may not refresh, or undefined when it may. */
async function sessionRefusal(tx: Queryable, session: DeviceSessionRow): Promise<string | undefined> {
  if (session.revoked_at) return `this sign-in was ended (${session.revoked_reason ?? 'revoked'}); run \`ccag connect\` again`;
  if (new Date(session.expires_at).getTime() <= Date.now()) return 'this sign-in reached its maximum age; run `ccag connect` again';
  if (session.idp_id) {
    const { rows } = await tx.query<{ enabled: boolean }>('SELECT enabled FROM identity_providers WHERE id = $1', [session.idp_id]);
    if (!rows[0]?.enabled) return 'the identity provider of this sign-in is disabled; run `ccag connect` again';
  }
  const user = await findUser(tx, session.user_id);
  if (!user?.active) return 'this user is deactivated';
  return undefined;
}
