import type { Db } from '../db/db.js';
import { consumeDeviceCode, deleteExpiredDeviceCodes, insertDeviceCode, pollDeviceCode } from '../db/repos/device-codes.js';
import type { DeviceSessions, TokenResponse } from './device-sessions.js';
import { invalidGrant, OAuthError } from './oauth-error.js';
import { hashSecret, randomBase62 } from './random-token.js';
import { generateUserCode } from './user-code.js';

/** RFC 8628 §3.2 device authorization response. */
export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export const deviceCodeLifetimeMs = 10 * 60_000;

/** Starts a device login: a secret device code for the CLI, a short user code for the person. */
export async function authorizeDevice(
  db: Db,
  p: { clientId: string; publicUrl: string; intervalSeconds: number; ip?: string; userAgent?: string },
): Promise<DeviceAuthorization> {
  // Now and then, expired codes and abandoned sign-ins are cleared away.
  if (Math.random() < 0.02) await deleteExpiredDeviceCodes(db);
  const deviceCode = `ccag-dc-${randomBase62(32)}`;
  const expiresAt = new Date(Date.now() + deviceCodeLifetimeMs);
  // A clash of user codes (1 in 2^34 per live code) is retried with a new one.
  for (let attempt = 0; ; attempt++) {
    const userCode = generateUserCode();
    try {
      await insertDeviceCode(db, { hash: hashSecret(deviceCode), userCode, clientId: p.clientId, intervalSeconds: p.intervalSeconds, expiresAt, ip: p.ip, userAgent: p.userAgent });
      const verification = `${p.publicUrl}/device`;
      return {
        device_code: deviceCode,
        user_code: userCode,
        verification_uri: verification,
        verification_uri_complete: `${verification}?user_code=${userCode}`,
        expires_in: deviceCodeLifetimeMs / 1000,
        interval: p.intervalSeconds,
      };
    } catch (err) {
      if (attempt >= 3 || (err as { code?: string }).code !== '23505') throw err;
    }
  }
}

/** The device_code grant: tokens once the user approved, else the RFC 8628 §3.5 error to poll on. */
export async function exchangeDeviceCode(db: Db, sessions: DeviceSessions, deviceCode: string, clientId: string | undefined): Promise<TokenResponse> {
  const code = await pollDeviceCode(db, hashSecret(deviceCode));
  if (!code) throw invalidGrant('unknown device code');
  if (clientId !== undefined && clientId !== code.client_id) throw invalidGrant('this device code was issued to another client');
  if (code.status === 'consumed') throw invalidGrant('this device code was already used');
  if (code.status === 'denied') throw new OAuthError('access_denied', 'the sign-in was refused');
  if (new Date(code.expires_at).getTime() <= Date.now()) throw new OAuthError('expired_token', 'the device code expired; start the login again');
  if (code.too_fast) throw new OAuthError('slow_down', `polling too fast; wait ${code.interval_seconds} s between requests`);
  if (code.status === 'pending') throw new OAuthError('authorization_pending', 'waiting for the user to sign in and confirm the code');
  return db.transaction(async (tx) => {
    const approved = await consumeDeviceCode(tx, code.id);
    if (!approved) throw invalidGrant('this device code was already used');
    return sessions.start(tx, {
      userId: approved.user_id!,
      clientId: approved.client_id,
      idpId: approved.idp_id,
      idpRefreshSealed: approved.idp_refresh_sealed,
      ip: approved.ip,
      userAgent: approved.user_agent,
    });
  });
}
