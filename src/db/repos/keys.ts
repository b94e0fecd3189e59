import { callerColumnsSql, type CallerColumns } from './users.js';
import type { ApiKey, KeyScope, Limits } from '../../api/schemas.js';
import { toLimits, type LimitRow } from './limits.js';
import type { Queryable } from '../db.js';
import { cursorAtSql, iso, isUuid, toPage, type Cursor } from './page.js';

export interface KeyRow extends LimitRow {
  id: string;
  name: string;
  prefix: string;
  scope: KeyScope;
  user_id: string | null;
  user_email: string | null;
  username: string | null;
  team_id: string | null;
  team_name: string | null;
  models: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
  cursor_at: string;
}

const select = `SELECT k.id, k.name, k.prefix, k.scope, k.user_id, u.email AS user_email, u.username, k.team_id,
  t.name AS team_name, k.models, k.rpm_limit, k.tpm_limit, k.concurrency_limit, k.expires_at, k.revoked_at, k.last_used_at, k.created_at, ${cursorAtSql('k.created_at')}
  FROM api_keys k LEFT JOIN users u ON u.id = k.user_id LEFT JOIN teams t ON t.id = k.team_id`;

export function toApiKey(row: KeyRow, now = Date.now()): ApiKey {
  const status = row.revoked_at ? 'revoked' : row.expires_at && new Date(row.expires_at).getTime() <= now ? 'expired' : 'active';
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    user_id: row.user_id,
    user: row.user_email ?? row.username,
    team_id: row.team_id,
    team: row.team_name,
    models: row.models,
    limits: toLimits(row),
    status,
    expires_at: iso(row.expires_at),
    revoked_at: iso(row.revoked_at),
    last_used_at: iso(row.last_used_at),
    created_at: iso(row.created_at)!,
  };
}

/** A key by id or visible prefix. */
export async function findKey(db: Queryable, ref: string): Promise<KeyRow | undefined> {
  const { rows } = isUuid(ref)
    ? await db.query<KeyRow>(`${select} WHERE k.id = $1`, [ref])
    : await db.query<KeyRow>(`${select} WHERE k.prefix = $1`, [ref]);
  return rows[0];
}

export async function listKeys(
  db: Queryable,
  opts: { limit: number; after?: Cursor; userId?: string; teamId?: string; includeRevoked?: boolean; userOrTeam?: { userId: string; teamId: string | null } },
) {
  const { rows } = await db.query<KeyRow>(
    `${select} WHERE ($1::timestamptz IS NULL OR (k.created_at, k.id) > ($1::timestamptz, $2::uuid))
       AND ($3::uuid IS NULL OR k.user_id = $3) AND ($4::uuid IS NULL OR k.team_id = $4)
       AND ($5::boolean OR k.revoked_at IS NULL)
     ORDER BY k.created_at, k.id LIMIT $6`,
    [opts.after?.at ?? null, opts.after?.id ?? null, opts.userId ?? null, opts.teamId ?? null, opts.includeRevoked ?? false, opts.limit + 1],
  );
  return toPage(rows, opts.limit, (r) => toApiKey(r), (r) => ({ at: r.cursor_at, id: r.id }));
}

export interface NewKey extends Partial<Limits> {
  name: string;
  hash: string;
  prefix: string;
  scope: KeyScope;
  userId: string | null;
  teamId: string | null;
  models: string[] | null;
  expiresAt: Date | null;
  createdBy: string | null;
}

export async function insertKey(db: Queryable, key: NewKey): Promise<KeyRow> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO api_keys (name, key_hash, prefix, scope, user_id, team_id, models, expires_at, created_by, rpm_limit, tpm_limit, concurrency_limit)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [key.name, key.hash, key.prefix, key.scope, key.userId, key.teamId, key.models, key.expiresAt, key.createdBy, key.rpm || null, key.tpm || null, key.concurrency || null],
  );
  return (await findKey(db, rows[0]!.id))!;
}

export async function revokeKey(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
}

/** Ends an old key's life at `until` (the rotation grace period) unless it already ends sooner. */
export async function retireKey(db: Queryable, id: string, successorId: string, until: Date): Promise<void> {
  await db.query(
    `UPDATE api_keys SET rotated_to = $2, expires_at = LEAST(COALESCE(expires_at, $3::timestamptz), $3::timestamptz) WHERE id = $1`,
    [id, successorId, until],
  );
}

/** Records that keys were used (batched by the caller, so not one write per request). */
export async function touchKeys(db: Queryable, ids: string[], at: Date): Promise<void> {
  await db.query('UPDATE api_keys SET last_used_at = $2 WHERE id = ANY($1::uuid[]) AND (last_used_at IS NULL OR last_used_at < $2)', [ids, at]);
}

/** What authentication needs to know about a key, looked up by its hash. */
export interface KeyCredentialRow extends CallerColumns {
  id: string;
  prefix: string;
  scope: KeyScope;
  user_id: string | null;
  team_id: string | null;
  models: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  username: string | null;
  role: string | null;
  user_active: boolean | null;
  user_team_id: string | null;
  key_rpm: number | null;
  key_tpm: number | null;
  key_concurrency: number | null;
}

export async function findKeyCredential(db: Queryable, hash: string): Promise<KeyCredentialRow | undefined> {
  const { rows } = await db.query<KeyCredentialRow>(
    `SELECT k.id, k.prefix, k.scope, k.user_id, k.team_id, k.models, k.expires_at, k.revoked_at,
       u.username, u.role, u.active AS user_active, u.team_id AS user_team_id,
       k.rpm_limit AS key_rpm, k.tpm_limit AS key_tpm, k.concurrency_limit AS key_concurrency,
       ${callerColumnsSql}
     FROM api_keys k LEFT JOIN users u ON u.id = k.user_id LEFT JOIN teams t ON t.id = COALESCE(k.team_id, u.team_id)
     WHERE k.key_hash = $1`,
    [hash],
  );
  return rows[0];
}
