import type { Limits, Team } from '../../api/schemas.js';
import { limitAssignments, toLimits, type LimitRow } from './limits.js';
import type { Queryable } from '../db.js';
import { cursorAtSql, iso, isUuid, toPage } from './page.js';

export interface TeamRow extends LimitRow {
  id: string;
  name: string;
  description: string | null;
  member_count: number;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

const select = `SELECT t.*, ${cursorAtSql('t.created_at')}, (SELECT count(*)::int FROM users u WHERE u.team_id = t.id) AS member_count FROM teams t`;

export function toTeam(row: TeamRow): Team {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    member_count: row.member_count,
    limits: toLimits(row),
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
  };
}

/** A team by id or (case-insensitive) name. */
export async function findTeam(db: Queryable, ref: string): Promise<TeamRow | undefined> {
  const { rows } = isUuid(ref)
    ? await db.query<TeamRow>(`${select} WHERE t.id = $1`, [ref])
    : await db.query<TeamRow>(`${select} WHERE lower(t.name) = lower($1)`, [ref]);
  return rows[0];
}

export async function listTeams(db: Queryable, opts: { limit: number; after?: { at: string; id: string } }) {
  const { rows } = await db.query<TeamRow>(
    `${select} WHERE ($1::timestamptz IS NULL OR (t.created_at, t.id) > ($1::timestamptz, $2::uuid))
     ORDER BY t.created_at, t.id LIMIT $3`,
    [opts.after?.at ?? null, opts.after?.id ?? null, opts.limit + 1],
  );
  return toPage(rows, opts.limit, toTeam, (r) => ({ at: r.cursor_at, id: r.id }));
}

export async function insertTeam(db: Queryable, team: { name: string; description?: string | null } & Partial<Limits>): Promise<TeamRow> {
  const { rows } = await db.query<{ id: string }>('INSERT INTO teams (name, description) VALUES ($1, $2) RETURNING id', [
    team.name,
    team.description ?? null,
  ]);
  return updateTeam(db, rows[0]!.id, { rpm: team.rpm, tpm: team.tpm, concurrency: team.concurrency });
}

export async function updateTeam(db: Queryable, id: string, patch: { name?: string; description?: string | null } & Partial<Limits>): Promise<TeamRow> {
  const params: unknown[] = [id, patch.name ?? null, patch.description !== undefined, patch.description ?? null];
  const limits = limitAssignments(patch, params);
  await db.query(
    `UPDATE teams SET name = COALESCE($2, name),
       description = CASE WHEN $3::boolean THEN $4 ELSE description END, ${limits.map((l) => `${l}, `).join('')}updated_at = now() WHERE id = $1`,
    params,
  );
  return (await findTeam(db, id))!;
}

export async function deleteTeam(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM teams WHERE id = $1', [id]);
}
