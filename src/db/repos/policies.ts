import type { PolicyView } from '../../api/schemas.js';
import type { Queryable } from '../db.js';
import { iso, isUuid } from './page.js';

/** A row of `policies`, with its team's name. */
export interface PolicyRow {
  id: string;
  name: string;
  position: number | null;
  is_default: boolean;
  team_id: string | null;
  team_name: string | null;
  group_name: string | null;
  allowed_models: string[] | null;
  denied_tools: string[];
  max_output_tokens: number | null;
  created_at: Date;
  updated_at: Date;
}

const select = `SELECT p.id, p.name, p.position, p.is_default, p.team_id, t.name AS team_name, p.group_name,
  p.allowed_models, p.denied_tools, p.max_output_tokens, p.created_at, p.updated_at
  FROM policies p LEFT JOIN teams t ON t.id = p.team_id`;

export function toPolicyView(row: PolicyRow): PolicyView {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    default: row.is_default,
    team_id: row.team_id,
    team: row.team_name,
    group: row.group_name,
    allowed_models: row.allowed_models,
    denied_tools: row.denied_tools,
    max_output_tokens: row.max_output_tokens,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

/** Every policy in the order they are tried: by position, the default last. */
export async function listPolicies(db: Queryable): Promise<PolicyRow[]> {
  return (await db.query<PolicyRow>(`${select} ORDER BY p.is_default, p.position`)).rows;
}

/** A policy by id or (case-insensitive) name. */
export async function findPolicy(db: Queryable, ref: string): Promise<PolicyRow | undefined> {
  const { rows } = isUuid(ref)
    ? await db.query<PolicyRow>(`${select} WHERE p.id = $1`, [ref])
    : await db.query<PolicyRow>(`${select} WHERE lower(p.name) = lower($1)`, [ref]);
  return rows[0];
}

/** Serialises changes to the order: positions stay 1..n without gaps. */
export async function lockPolicies(tx: Queryable): Promise<number> {
  await tx.query('LOCK TABLE policies IN SHARE ROW EXCLUSIVE MODE');
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM policies WHERE NOT is_default');
  return rows[0]!.n;
}

export interface PolicyFields {
  name: string;
  isDefault: boolean;
  position: number | null;
  teamId: string | null;
  group: string | null;
  allowedModels: string[] | null;
  deniedTools: string[];
  maxOutputTokens: number | null;
}

/** Inserts a policy at its position, moving the ones at or after it down by one. */
export async function insertPolicy(tx: Queryable, f: PolicyFields): Promise<string> {
  if (f.position !== null) await tx.query('UPDATE policies SET position = position + 1 WHERE position >= $1', [f.position]);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO policies (name, is_default, position, team_id, group_name, allowed_models, denied_tools, max_output_tokens)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [f.name, f.isDefault, f.position, f.teamId, f.group, f.allowedModels, f.deniedTools, f.maxOutputTokens],
  );
  return rows[0]!.id;
}

/** Updates a policy; a new position moves the policies between the old and the new one by one. */
export async function updatePolicy(tx: Queryable, id: string, from: number | null, f: PolicyFields): Promise<void> {
  if (from !== null && f.position !== null && f.position < from) {
    await tx.query('UPDATE policies SET position = position + 1 WHERE position >= $1 AND position < $2', [f.position, from]);
  } else if (from !== null && f.position !== null && f.position > from) {
    await tx.query('UPDATE policies SET position = position - 1 WHERE position > $1 AND position <= $2', [from, f.position]);
  }
  await tx.query(
    `UPDATE policies SET name = $2, position = $3, team_id = $4, group_name = $5, allowed_models = $6, denied_tools = $7,
       max_output_tokens = $8, updated_at = now() WHERE id = $1`,
    [id, f.name, f.position, f.teamId, f.group, f.allowedModels, f.deniedTools, f.maxOutputTokens],
  );
}

/** Deletes a policy, closing the gap in the order. */
export async function deletePolicy(tx: Queryable, row: PolicyRow): Promise<void> {
  await tx.query('DELETE FROM policies WHERE id = $1', [row.id]);
  if (row.position !== null) await tx.query('UPDATE policies SET position = position - 1 WHERE position > $1', [row.position]);
}

/** The names of a team's policies (a team is deleted only once they are removed). */
export async function teamPolicyNames(db: Queryable, teamId: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM policies WHERE team_id = $1 ORDER BY position', [teamId]);
  return rows.map((r) => r.name);
}
