import type { Queryable } from '../db/db.js';
import type { IdentityProviderRow } from '../db/repos/identity-providers.js';
import { revokeDeviceSessionsOf } from '../db/repos/device-sessions.js';
import { iso } from '../db/repos/page.js';
import { findUser, type UserRow } from '../db/repos/users.js';
import { isObject } from './attribute-path.js';
import { invalidValue, ScimError, uniqueness } from './errors.js';

type Json = Record<string, unknown>;

export const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** A user as SCIM sees it: the columns ccag uses, the resource as the IdP sent it, the groups. */
export interface ScimUserRow extends Pick<UserRow, 'id' | 'username' | 'email' | 'name' | 'role' | 'team_id' | 'active' | 'created_at' | 'updated_at'> {
  scim_external_id: string | null;
  scim_data: Json | null;
  groups: { id: string; display_name: string }[];
}

const select = `SELECT u.id, u.username, u.email, u.name, u.role, u.team_id, u.active, u.scim_external_id, u.scim_data, u.created_at, u.updated_at,
  COALESCE((SELECT json_agg(json_build_object('id', g.id, 'display_name', g.display_name) ORDER BY g.display_name)
    FROM scim_group_members m JOIN scim_groups g ON g.id = m.group_id WHERE m.user_id = u.id), '[]') AS groups
  FROM users u`;

/** The IdP's users (not deleted), oldest first; with a lookup, only those it names. */
export async function listScimUsers(db: Queryable, idpId: string, lookup?: { attribute: string; value: string }): Promise<ScimUserRow[]> {
  const where =
    lookup?.attribute === 'username' ? 'AND lower(u.username) = lower($2)' : lookup?.attribute === 'externalid' ? 'AND u.scim_external_id = $2' : '';
  const { rows } = await db.query<ScimUserRow>(
    `${select} WHERE u.idp_id = $1 AND u.scim_deleted_at IS NULL ${where} ORDER BY u.created_at, u.id`,
    where ? [idpId, lookup!.value] : [idpId],
  );
  return rows;
}

export async function findScimUser(db: Queryable, idpId: string, id: string): Promise<ScimUserRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const { rows } = await db.query<ScimUserRow>(`${select} WHERE u.id = $2 AND u.idp_id = $1 AND u.scim_deleted_at IS NULL`, [idpId, id]);
  return rows[0];
}

/** The User resource: what the IdP sent, with ccag's own id, userName, active, groups and meta. */
export function toScimUser(row: ScimUserRow, baseUrl: string): Json {
  const data = row.scim_data ?? {};
  return {
    ...data,
    schemas: Array.isArray(data.schemas) ? data.schemas : [userSchema],
    id: row.id,
    ...(row.scim_external_id !== null && { externalId: row.scim_external_id }),
    userName: row.username,
    ...(data.displayName === undefined && row.name !== null && { displayName: row.name }),
    ...(data.emails === undefined && row.email !== null && { emails: [{ value: row.email, type: 'work', primary: true }] }),
    active: row.active,
    groups: row.groups.map((g) => ({ value: g.id, display: g.display_name, $ref: `${baseUrl}/Groups/${g.id}` })),
    meta: {
      resourceType: 'User',
      created: iso(row.created_at),
      lastModified: iso(row.updated_at),
      location: `${baseUrl}/Users/${row.id}`,
      version: `W/"${new Date(row.updated_at).getTime()}"`,
    },
  };
}

/** What ccag keeps of a User resource: validated, the password and read-only parts left out. */
export interface UserFields {
  username: string;
  email: string | null;
  name: string | null;
  active: boolean;
  externalId: string | null;
  data: Json;
}

export function userFields(resource: unknown): UserFields {
  if (!isObject(resource)) throw new ScimError(400, 'the body must be a User object', 'invalidSyntax');
  const { userName, active, externalId, emails, displayName, name } = resource;
  if (typeof userName !== 'string' || !userName.trim() || userName.length > 320) throw invalidValue('userName is required (a string of at most 320 characters)');
  if (active !== undefined && typeof active !== 'boolean') throw invalidValue('active must be true or false');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') throw invalidValue('externalId must be a string');
  if (emails !== undefined && (!Array.isArray(emails) || emails.some((e) => !isObject(e) || (e.value !== undefined && typeof e.value !== 'string')))) {
    throw invalidValue('emails must be a list of {value, type, primary}');
  }
  const list = (emails as Json[] | undefined) ?? [];
  const chosen = list.find((e) => e.primary === true || e.primary === 'true' || e.primary === 'True') ?? list.find((e) => e.type === 'work') ?? list[0];
  const email = typeof chosen?.value === 'string' ? chosen.value : userName.includes('@') ? userName : null;
  const fullName = isObject(name)
    ? typeof name.formatted === 'string'
      ? name.formatted
      : [name.givenName, name.familyName].filter((p) => typeof p === 'string').join(' ') || null
    : null;
  const data: Json = { ...resource };
  for (const key of ['id', 'meta', 'password', 'groups', 'userName', 'active', 'externalId']) delete data[key];
  return {
    username: userName.trim(),
    email,
    name: typeof displayName === 'string' ? displayName : fullName,
    active: active ?? true,
    externalId: (externalId as string | undefined) ?? null,
    data,
  };
}

/**
 * A new SCIM user of the IdP. A user the IdP deleted before comes back, and one that signed in
 * through this IdP before is taken over. An account the IdP does not own (made by an admin, or
 * of another IdP) with the same user name or email is a uniqueness conflict (409, which stops
 * Okta rather than retry): SCIM never takes over a local account such as the bootstrap admin.
 */
export async function createScimUser(tx: Queryable, idp: IdentityProviderRow, f: UserFields): Promise<string> {
  const { rows } = await tx.query<{ id: string; idp_id: string | null; scim_deleted_at: Date | null }>(
    `SELECT id, idp_id, scim_deleted_at FROM users WHERE lower(username) = lower($1) OR ($2::text IS NOT NULL AND lower(email) = lower($2))`,
    [f.username, f.email],
  );
  if (rows.length > 1) throw uniqueness(`userName ${f.username} and email ${f.email} belong to two different users`);
  const existing = rows[0];
  if (existing && existing.idp_id === idp.id && !existing.scim_deleted_at) throw uniqueness(`a user with userName ${f.username} already exists`);
  if (existing && existing.idp_id !== idp.id) {
    throw uniqueness(
      existing.idp_id === null
        ? `${f.username} is a local ccag account; an admin must remove it or change its name and email before the IdP can provision it`
        : `${f.username} is provisioned by another identity provider`,
    );
  }
  if (existing) {
    await writeScimUser(tx, existing.id, f, idp.id);
    return existing.id;
  }
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO users (username, email, name, role, team_id, active, idp_id, scim_external_id, scim_data, scim_provisioned_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) RETURNING id`,
    [f.username, f.email, f.name, idp.default_role, idp.default_team_id, f.active, idp.id, f.externalId, JSON.stringify(f.data)],
  );
  return inserted.rows[0]!.id;
}

/** Writes a User resource over a user (PUT, or a PATCH's result). */
export async function writeScimUser(tx: Queryable, id: string, f: UserFields, idpId: string): Promise<void> {
  const clash = await findUser(tx, f.username);
  if (clash && clash.id !== id) throw uniqueness(`a user with userName ${f.username} already exists`);
  if (f.email) {
    const emailClash = await findUser(tx, f.email);
    if (emailClash && emailClash.id !== id) throw uniqueness(`a user with the email ${f.email} already exists`);
  }
  await tx.query(
    `UPDATE users SET username = $2, email = $3, name = $4, active = $5, scim_external_id = $6, scim_data = $7, idp_id = $8,
       scim_provisioned_at = COALESCE(scim_provisioned_at, now()), scim_deleted_at = NULL, updated_at = now() WHERE id = $1`,
    [id, f.username, f.email, f.name, f.active, f.externalId, JSON.stringify(f.data), idpId],
  );
}

/**
 * DELETE: the user is blocked and gone from SCIM, but the row stays, because spend records
 * point at it. Unlike a deactivation, it is final: keys are revoked, device sign-ins and group
 * memberships end, so a user provisioned again later starts afresh.
 */
export async function deleteScimUser(tx: Queryable, id: string): Promise<string[]> {
  await tx.query('UPDATE users SET active = false, scim_deleted_at = now(), updated_at = now() WHERE id = $1', [id]);
  await tx.query('DELETE FROM scim_group_members WHERE user_id = $1', [id]);
  await tx.query('UPDATE api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [id]);
  return revokeDeviceSessionsOf(tx, { userId: id }, 'deleted by the identity provider (SCIM)');
}
