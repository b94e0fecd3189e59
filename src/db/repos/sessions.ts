import { callerColumnsSql, type CallerColumns } from './users.js';
import type { Queryable } from '../db.js';

export interface SessionCredentialRow extends CallerColumns {
  id: string;
  user_id: string;
  expires_at: Date;
  revoked_at: Date | null;
  username: string;
  role: string;
  active: boolean;
  team_id: string | null;
}

export async function insertSession(
  db: Queryable,
  s: { hash: string; userId: string; expiresAt: Date; userAgent?: string; ip?: string },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO sessions (token_hash, user_id, expires_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [s.hash, s.userId, s.expiresAt, s.userAgent?.slice(0, 300) ?? null, s.ip ?? null],
  );
  return rows[0]!.id;
}

/** A session-like row (login session or signed-in device) with what a principal needs of its user and team. */
export async function selectSessionCredential(
  db: Queryable,
  table: 'sessions' | 'device_sessions',
  column: 'token_hash' | 'id',
  value: string,
): Promise<SessionCredentialRow | undefined> {
  const { rows } = await db.query<SessionCredentialRow>(
    `SELECT s.id, s.user_id, s.expires_at, s.revoked_at, u.username, u.role, u.active, u.team_id,
       ${callerColumnsSql}
     FROM ${table} s JOIN users u ON u.id = s.user_id LEFT JOIN teams t ON t.id = u.team_id WHERE s.${column} = $1`,
    [value],
  );
  return rows[0];
}

export function findSessionCredential(db: Queryable, hash: string): Promise<SessionCredentialRow | undefined> {
  return selectSessionCredential(db, 'sessions', 'token_hash', hash);
}

export async function revokeSession(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
}
