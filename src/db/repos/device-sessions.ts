import type { Queryable } from '../db.js';
import { selectSessionCredential, type SessionCredentialRow } from './sessions.js';

/** A signed-in device: the family of refresh tokens one device login started. */
export interface DeviceSessionRow {
  id: string;
  user_id: string;
  client_id: string;
  idp_id: string | null;
  idp_refresh_sealed: string | null;
  idp_checked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
  expires_at: Date;
  last_refresh_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface RefreshTokenRow {
  token_hash: string;
  session_id: string;
  expires_at: Date;
  rotated_at: Date | null;
}

export async function insertDeviceSession(
  db: Queryable,
  s: { userId: string; clientId: string; idpId: string | null; idpRefreshSealed: string | null; expiresAt: Date; ip?: string | null; userAgent?: string | null },
): Promise<DeviceSessionRow> {
  const { rows } = await db.query<DeviceSessionRow>(
    `INSERT INTO device_sessions (user_id, client_id, idp_id, idp_refresh_sealed, idp_checked_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, CASE WHEN $3::uuid IS NULL THEN NULL ELSE now() END, $5, $6, $7) RETURNING *`,
    [s.userId, s.clientId, s.idpId, s.idpRefreshSealed, s.expiresAt, s.ip ?? null, s.userAgent?.slice(0, 300) ?? null],
  );
  return rows[0]!;
}

export async function insertRefreshToken(db: Queryable, t: { hash: string; sessionId: string; expiresAt: Date }): Promise<void> {
  await db.query('INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)', [t.hash, t.sessionId, t.expiresAt]);
}

/** The refresh token and its device session, the session row locked for the rotation. */
export async function lockRefreshToken(db: Queryable, hash: string): Promise<{ token: RefreshTokenRow; session: DeviceSessionRow } | undefined> {
  const { rows: tokens } = await db.query<RefreshTokenRow>('SELECT token_hash, session_id, expires_at, rotated_at FROM refresh_tokens WHERE token_hash = $1', [hash]);
  const token = tokens[0];
  if (!token) return undefined;
  const { rows: sessions } = await db.query<DeviceSessionRow>('SELECT * FROM device_sessions WHERE id = $1 FOR UPDATE', [token.session_id]);
  // Re-read the token under the session's lock: a parallel rotation may have just marked it.
  const { rows: again } = await db.query<RefreshTokenRow>('SELECT token_hash, session_id, expires_at, rotated_at FROM refresh_tokens WHERE token_hash = $1', [hash]);
  return sessions[0] && again[0] ? { token: again[0], session: sessions[0] } : undefined;
}

export async function findRefreshTokenSession(db: Queryable, hash: string): Promise<DeviceSessionRow | undefined> {
  const { rows } = await db.query<DeviceSessionRow>(
    'SELECT s.* FROM refresh_tokens t JOIN device_sessions s ON s.id = t.session_id WHERE t.token_hash = $1',
    [hash],
  );
  return rows[0];
}

export async function markRefreshTokenRotated(db: Queryable, hash: string): Promise<void> {
  await db.query('UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1 AND rotated_at IS NULL', [hash]);
}

export async function touchDeviceSession(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE device_sessions SET last_refresh_at = now() WHERE id = $1', [id]);
}

/** Ends a device session: its refresh tokens and access tokens stop working. */
export async function revokeDeviceSession(db: Queryable, id: string, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE device_sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL',
    [id, reason],
  );
  return (rowCount ?? 0) > 0;
}

/** Ends every live device session of a user, or signed in through an identity provider; returns their ids. */
export async function revokeDeviceSessionsOf(db: Queryable, of: { userId: string } | { idpId: string }, reason: string): Promise<string[]> {
  const [column, id] = 'userId' in of ? ['user_id', of.userId] : ['idp_id', of.idpId];
  const { rows } = await db.query<{ id: string }>(
    `UPDATE device_sessions SET revoked_at = now(), revoked_reason = $2 WHERE ${column} = $1 AND revoked_at IS NULL RETURNING id`,
    [id, reason],
  );
  return rows.map((r) => r.id);
}

/**
 * Claims the IdP re-check of a session: true for exactly one caller a minute, so parallel
 * refreshes do not all spend (and with rotation, burn) the IdP's refresh token.
 */
export async function claimIdpCheck(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE device_sessions SET idp_check_claimed_at = now()
     WHERE id = $1 AND (idp_check_claimed_at IS NULL OR idp_check_claimed_at < now() - interval '1 minute')`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/** Gives the claim back, so the next refresh asks the IdP again (it could not be reached). */
export async function releaseIdpCheck(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE device_sessions SET idp_check_claimed_at = NULL WHERE id = $1', [id]);
}

export async function recordIdpCheck(db: Queryable, id: string, idpRefreshSealed: string | null): Promise<void> {
  await db.query(
    'UPDATE device_sessions SET idp_checked_at = now(), idp_refresh_sealed = COALESCE($2, idp_refresh_sealed) WHERE id = $1',
    [id, idpRefreshSealed],
  );
}

export async function findDeviceSession(db: Queryable, id: string): Promise<DeviceSessionRow | undefined> {
  const { rows } = await db.query<DeviceSessionRow>('SELECT * FROM device_sessions WHERE id = $1', [id]);
  return rows[0];
}

/** What an access token's principal is built from: the device session and its user. */
export function findDeviceSessionCredential(db: Queryable, id: string): Promise<SessionCredentialRow | undefined> {
  return selectSessionCredential(db, 'device_sessions', 'id', id);
}
