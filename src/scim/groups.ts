import type { Queryable } from '../db/db.js';
import { iso } from '../db/repos/page.js';
import { isObject } from './attribute-path.js';
import { invalidValue, ScimError, uniqueness } from './errors.js';

type Json = Record<string, unknown>;

export const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export interface ScimGroupRow {
  id: string;
  display_name: string;
  external_id: string | null;
  data: Json;
  created_at: Date;
  updated_at: Date;
}

export interface Member {
  id: string;
  username: string;
}

export async function listScimGroups(db: Queryable, idpId: string, displayName?: string): Promise<ScimGroupRow[]> {
  const { rows } = await db.query<ScimGroupRow>(
    `SELECT * FROM scim_groups WHERE idp_id = $1 AND ($2::text IS NULL OR lower(display_name) = lower($2)) ORDER BY created_at, id`,
    [idpId, displayName ?? null],
  );
  return rows;
}

export async function findScimGroup(db: Queryable, idpId: string, id: string): Promise<ScimGroupRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const { rows } = await db.query<ScimGroupRow>('SELECT * FROM scim_groups WHERE idp_id = $1 AND id = $2', [idpId, id]);
  return rows[0];
}

/** Members of groups, by group id (one query for a page of groups). */
export async function groupMembers(db: Queryable, groupIds: string[]): Promise<Map<string, Member[]>> {
  const out = new Map<string, Member[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const { rows } = await db.query<Member & { group_id: string }>(
    `SELECT m.group_id, u.id, u.username FROM scim_group_members m JOIN users u ON u.id = m.user_id
     WHERE m.group_id = ANY($1::uuid[]) ORDER BY u.created_at, u.id`,
    [groupIds],
  );
  for (const r of rows) out.get(r.group_id)!.push({ id: r.id, username: r.username });
  return out;
}

export function toScimGroup(row: ScimGroupRow, members: Member[] | undefined, baseUrl: string): Json {
  return {
    ...row.data,
    schemas: Array.isArray(row.data.schemas) ? row.data.schemas : [groupSchema],
    id: row.id,
    ...(row.external_id !== null && { externalId: row.external_id }),
    displayName: row.display_name,
    ...(members && { members: members.map((m) => ({ value: m.id, display: m.username, $ref: `${baseUrl}/Users/${m.id}` })) }),
    meta: {
      resourceType: 'Group',
      created: iso(row.created_at),
      lastModified: iso(row.updated_at),
      location: `${baseUrl}/Groups/${row.id}`,
      version: `W/"${new Date(row.updated_at).getTime()}"`,
    },
  };
}

export interface GroupFields {
  displayName: string;
  externalId: string | null;
  /** User ids; undefined when the resource says nothing about members. */
  memberIds?: string[];
  data: Json;
}

export function groupFields(resource: unknown): GroupFields {
  if (!isObject(resource)) throw new ScimError(400, 'the body must be a Group object', 'invalidSyntax');
  const { displayName, externalId, members } = resource;
  if (typeof displayName !== 'string' || !displayName.trim() || displayName.length > 300) throw invalidValue('displayName is required (a string of at most 300 characters)');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') throw invalidValue('externalId must be a string');
  if (members !== undefined && members !== null && (!Array.isArray(members) || members.some((m) => !isObject(m) || typeof m.value !== 'string'))) {
    throw invalidValue('members must be a list of {value: user id}');
  }
  const data: Json = { ...resource };
  for (const key of ['id', 'meta', 'members', 'displayName', 'externalId']) delete data[key];
  return {
    displayName: displayName.trim(),
    externalId: (externalId as string | undefined) ?? null,
    memberIds: Array.isArray(members) ? [...new Set(members.map((m) => (m as Json).value as string))] : members === null ? [] : undefined,
    data,
  };
}

export async function createScimGroup(tx: Queryable, idpId: string, f: GroupFields): Promise<string> {
  if ((await listScimGroups(tx, idpId, f.displayName)).length) throw uniqueness(`a group named ${f.displayName} already exists`);
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO scim_groups (idp_id, display_name, external_id, data) VALUES ($1, $2, $3, $4) RETURNING id',
    [idpId, f.displayName, f.externalId, JSON.stringify(f.data)],
  );
  return rows[0]!.id;
}

export async function writeScimGroup(tx: Queryable, idpId: string, id: string, f: GroupFields): Promise<void> {
  const clash = (await listScimGroups(tx, idpId, f.displayName)).find((g) => g.id !== id);
  if (clash) throw uniqueness(`a group named ${f.displayName} already exists`);
  await tx.query('UPDATE scim_groups SET display_name = $2, external_id = $3, data = $4, updated_at = now() WHERE id = $1', [
    id,
    f.displayName,
    f.externalId,
    JSON.stringify(f.data),
  ]);
}

/**
 * Sets a group's members to exactly these users (of the same IdP); returns the users whose
 * membership changed, so their access can be recomputed.
 */
export async function setGroupMembers(tx: Queryable, idpId: string, groupId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length) {
    const { rows } = await tx.query<{ id: string }>(
      'SELECT id FROM users WHERE id = ANY($1::uuid[]) AND idp_id = $2 AND scim_deleted_at IS NULL',
      [userIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id)), idpId],
    );
    const known = new Set(rows.map((r) => r.id));
    const unknown = userIds.find((id) => !known.has(id));
    if (unknown) throw invalidValue(`member ${unknown} is not a user of this identity provider`);
  }
  const removed = await tx.query<{ user_id: string }>('DELETE FROM scim_group_members WHERE group_id = $1 AND NOT (user_id = ANY($2::uuid[])) RETURNING user_id', [groupId, userIds]);
  const added = await tx.query<{ user_id: string }>(
    'INSERT INTO scim_group_members (group_id, user_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING user_id',
    [groupId, userIds],
  );
  return [...removed.rows, ...added.rows].map((r) => r.user_id);
}

/** Deletes a group; returns its former members. */
export async function deleteScimGroup(tx: Queryable, id: string): Promise<string[]> {
  const { rows } = await tx.query<{ user_id: string }>('SELECT user_id FROM scim_group_members WHERE group_id = $1', [id]);
  await tx.query('DELETE FROM scim_groups WHERE id = $1', [id]);
  return rows.map((r) => r.user_id);
}
