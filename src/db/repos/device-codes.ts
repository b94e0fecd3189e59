import type { Queryable } from '../db.js';

export interface DeviceCodeRow {
  id: string;
  user_code: string;
  client_id: string;
  status: 'pending' | 'approved' | 'denied' | 'consumed';
  user_id: string | null;
  idp_id: string | null;
  idp_refresh_sealed: string | null;
  interval_seconds: number;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
  expires_at: Date;
}

export async function insertDeviceCode(
  db: Queryable,
  c: { hash: string; userCode: string; clientId: string; intervalSeconds: number; expiresAt: Date; ip?: string; userAgent?: string },
): Promise<DeviceCodeRow> {
  const { rows } = await db.query<DeviceCodeRow>(
    `INSERT INTO device_codes (device_code_hash, user_code, client_id, interval_seconds, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [c.hash, c.userCode, c.clientId, c.intervalSeconds, c.expiresAt, c.ip ?? null, c.userAgent?.slice(0, 300) ?? null],
  );
  return rows[0]!;
}

/** A code still waiting for its user, by the code the user typed. */
export async function findPendingDeviceCode(db: Queryable, userCode: string): Promise<DeviceCodeRow | undefined> {
  const { rows } = await db.query<DeviceCodeRow>(
    "SELECT * FROM device_codes WHERE user_code = $1 AND status = 'pending' AND expires_at > now()",
    [userCode],
  );
  return rows[0];
}

export async function findDeviceCode(db: Queryable, id: string): Promise<DeviceCodeRow | undefined> {
  const { rows } = await db.query<DeviceCodeRow>('SELECT * FROM device_codes WHERE id = $1', [id]);
  return rows[0];
}

/** The user signed in and confirmed: the polling device may now collect its tokens. */
export async function approveDeviceCode(
  db: Queryable,
  id: string,
  a: { userId: string; idpId: string | null; idpRefreshSealed: string | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE device_codes SET status = 'approved', user_id = $2, idp_id = $3, idp_refresh_sealed = $4
     WHERE id = $1 AND status = 'pending' AND expires_at > now()`,
    [id, a.userId, a.idpId, a.idpRefreshSealed],
  );
  return (rowCount ?? 0) > 0;
}

export async function denyDeviceCode(db: Queryable, id: string): Promise<void> {
  await db.query("UPDATE device_codes SET status = 'denied' WHERE id = $1 AND status = 'pending'", [id]);
}

/**
 * Records a poll and returns the code with `too_fast` set when it came sooner than the
 * interval allows; a too-fast poll adds 5 s to the interval (RFC 8628 slow_down).
 */
export async function pollDeviceCode(db: Queryable, hash: string): Promise<(DeviceCodeRow & { too_fast: boolean }) | undefined> {
  const { rows } = await db.query<DeviceCodeRow & { too_fast: boolean }>(
    `WITH old AS (
       SELECT id, last_polled_at IS NOT NULL
         AND last_polled_at > now() - interval_seconds * interval '800 milliseconds' AS too_fast
       FROM device_codes WHERE device_code_hash = $1 FOR UPDATE
     )
     UPDATE device_codes d SET last_polled_at = now(),
       interval_seconds = CASE WHEN old.too_fast THEN d.interval_seconds + 5 ELSE d.interval_seconds END
     FROM old WHERE d.id = old.id RETURNING d.*, old.too_fast`,
    [hash],
  );
  return rows[0];
}

/** Hands an approved code's result out once: a replayed device code finds nothing. */
export async function consumeDeviceCode(db: Queryable, id: string): Promise<DeviceCodeRow | undefined> {
  const { rows } = await db.query<DeviceCodeRow>("UPDATE device_codes SET status = 'consumed' WHERE id = $1 AND status = 'approved' RETURNING *", [id]);
  return rows[0];
}

export async function deleteExpiredDeviceCodes(db: Queryable): Promise<void> {
  await db.query("DELETE FROM device_codes WHERE expires_at < now() - interval '1 day'");
  await db.query('DELETE FROM oidc_logins WHERE expires_at < now()');
}
