import type { Limits, Role, User } from '../../api/schemas.js';
import { limitAssignments, toLimits, type LimitRow } from './limits.js';
import type { Queryable } from '../db.js';
import { cursorAtSql, iso, isUuid, toPage, type Cursor } from './page.js';

export interface UserRow extends LimitRow {
  id: string;
  username: string;
  email: string | null;
  name: string | null;
  role: Role;
  team_id: string | null;
  team_name: string | null;
  active: boolean;
  password_hash: string | null;
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
  cursor_at: string;
}

/**
 * SQL for a user's groups (lower-case): those the IdP named at the last sign-in and those SCIM
 * put the user in. Policies match on them.
 */
export const userGroupsSql = (u: string) =>
  `(SELECT COALESCE(array_agg(DISTINCT lower(g)), '{}') FROM (SELECT unnest(${u}.idp_groups) AS g
     UNION SELECT sg.display_name FROM scim_group_members m JOIN scim_groups sg ON sg.id = m.group_id WHERE m.user_id = ${u}.id) AS user_groups)`;

/** What a credential's principal needs of its user and paying team: their rate limits and the user's groups. */
export interface CallerColumns {
  user_rpm: number | null;
  user_tpm: number | null;
  user_concurrency: number | null;
  team_rpm: number | null;
  team_tpm: number | null;
  team_concurrency: number | null;
  groups: string[];
}

/** SQL selecting CallerColumns from a users alias `u` and a teams alias `t`. */
export const callerColumnsSql = `u.rpm_limit AS user_rpm, u.tpm_limit AS user_tpm, u.concurrency_limit AS user_concurrency,
       t.rpm_limit AS team_rpm, t.tpm_limit AS team_tpm, t.concurrency_limit AS team_concurrency,
       ${userGroupsSql('u')} AS groups`;

const select = `SELECT u.*, ${cursorAtSql('u.created_at')}, t.name AS team_name FROM users u LEFT JOIN teams t ON t.id = u.team_id`;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    role: row.role,
    team_id: row.team_id,
    team: row.team_name,
    active: row.active,
    has_password: row.password_hash !== null,
    limits: toLimits(row),
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
    last_login_at: iso(row.last_login_at),
  };
}

/** A user by id, email or username (case-insensitive). */
export async function findUser(db: Queryable, ref: string): Promise<UserRow | undefined> {
  const { rows } = isUuid(ref)
    ? await db.query<UserRow>(`${select} WHERE u.id = $1`, [ref])
    : await db.query<UserRow>(`${select} WHERE lower(u.email) = lower($1) OR lower(u.username) = lower($1) LIMIT 1`, [ref]);
  return rows[0];
}

export async function listUsers(
  db: Queryable,
  opts: { limit: number; after?: Cursor; teamId?: string; role?: Role; active?: boolean },
) {
  const { rows } = await db.query<UserRow>(
    `${select} WHERE ($1::timestamptz IS NULL OR (u.created_at, u.id) > ($1::timestamptz, $2::uuid))
       AND ($3::uuid IS NULL OR u.team_id = $3) AND ($4::text IS NULL OR u.role = $4) AND ($5::boolean IS NULL OR u.active = $5)
     ORDER BY u.created_at, u.id LIMIT $6`,
    [opts.after?.at ?? null, opts.after?.id ?? null, opts.teamId ?? null, opts.role ?? null, opts.active ?? null, opts.limit + 1],
  );
  return toPage(rows, opts.limit, toUser, (r) => ({ at: r.cursor_at, id: r.id }));
}

export interface NewUser {
  username: string;
  email: string | null;
  name?: string | null;
  role: Role;
  teamId: string | null;
  passwordHash?: string | null;
}

export async function insertUser(db: Queryable, user: NewUser): Promise<UserRow> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (username, email, name, role, team_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [user.username, user.email, user.name ?? null, user.role, user.teamId, user.passwordHash ?? null],
  );
  return (await findUser(db, rows[0]!.id))!;
}

export interface UserPatch extends Partial<Limits> {
  email?: string;
  name?: string | null;
  role?: Role;
  teamId?: string | null;
  active?: boolean;
  passwordHash?: string;
}

export async function updateUser(db: Queryable, id: string, patch: UserPatch): Promise<UserRow> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (patch.email !== undefined) {
    set('email', patch.email);
    // Users sign in with their email; a username of its own (the bootstrap "admin") is kept.
    sets.push(`username = CASE WHEN lower(username) = lower(coalesce(email, '')) THEN $${params.length} ELSE username END`);
  }
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.role !== undefined) set('role', patch.role);
  if (patch.teamId !== undefined) set('team_id', patch.teamId);
  if (patch.active !== undefined) set('active', patch.active);
  if (patch.passwordHash !== undefined) set('password_hash', patch.passwordHash);
  sets.push(...limitAssignments(patch, params));
  if (sets.length > 0) await db.query(`UPDATE users SET ${sets.join(', ')}, updated_at = now() WHERE id = $1`, params);
  return (await findUser(db, id))!;
}

export async function countAdmins(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND active`);
  return rows[0]!.n;
}
