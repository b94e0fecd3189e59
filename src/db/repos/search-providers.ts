import type { Queryable } from '../db.js';
import { isUuid } from './page.js';

export type SearchScope = 'gateway' | 'team' | 'user';

export interface SearchProviderRow {
  id: string;
  name: string;
  kind: string;
  url: string | null;
  api_key_sealed: string | null;
  allow_private: boolean;
  timeout_ms: number | null;
  created_at: Date;
  updated_at: Date;
}

/** The columns an admin sets (all but ids and timestamps). */
export type SearchProviderFields = Omit<SearchProviderRow, 'id' | 'created_at' | 'updated_at'>;

/** An assignment with its subject's name (team name, user email; null for the gateway). */
export interface SearchAssignmentRow {
  scope: SearchScope;
  subject_id: string | null;
  subject: string | null;
  provider_id: string;
  provider: string;
}

export async function listSearchProviders(db: Queryable): Promise<SearchProviderRow[]> {
  const { rows } = await db.query<SearchProviderRow>('SELECT * FROM search_providers ORDER BY lower(name)');
  return rows;
}

/** By id or by name (case-insensitive). */
export async function findSearchProvider(db: Queryable, idOrName: string): Promise<SearchProviderRow | undefined> {
  const { rows } = isUuid(idOrName)
    ? await db.query<SearchProviderRow>('SELECT * FROM search_providers WHERE id = $1', [idOrName])
    : await db.query<SearchProviderRow>('SELECT * FROM search_providers WHERE lower(name) = lower($1)', [idOrName]);
  return rows[0];
}

export async function insertSearchProvider(db: Queryable, f: SearchProviderFields): Promise<SearchProviderRow> {
  const { rows } = await db.query<SearchProviderRow>(
    'INSERT INTO search_providers (name, kind, url, api_key_sealed, allow_private, timeout_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
    [f.name, f.kind, f.url, f.api_key_sealed, f.allow_private, f.timeout_ms],
  );
  return rows[0]!;
}

export async function updateSearchProvider(db: Queryable, id: string, f: SearchProviderFields): Promise<SearchProviderRow> {
  const { rows } = await db.query<SearchProviderRow>(
    `UPDATE search_providers SET name = $1, kind = $2, url = $3, api_key_sealed = $4, allow_private = $5, timeout_ms = $6, updated_at = now()
     WHERE id = $7 RETURNING *`,
    [f.name, f.kind, f.url, f.api_key_sealed, f.allow_private, f.timeout_ms, id],
  );
  return rows[0]!;
}

/** Its assignments go with it (ON DELETE CASCADE). */
export async function deleteSearchProvider(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM search_providers WHERE id = $1', [id]);
}

/** Every assignment whose subject still exists. */
export async function listSearchAssignments(db: Queryable, providerId?: string): Promise<SearchAssignmentRow[]> {
  const { rows } = await db.query<SearchAssignmentRow>(
    `SELECT a.scope, a.subject_id, CASE a.scope WHEN 'team' THEN t.name WHEN 'user' THEN u.email END AS subject, a.provider_id, p.name AS provider
     FROM search_provider_assignments a
     JOIN search_providers p ON p.id = a.provider_id
     LEFT JOIN teams t ON a.scope = 'team' AND t.id = a.subject_id
     LEFT JOIN users u ON a.scope = 'user' AND u.id = a.subject_id
     WHERE ($1::uuid IS NULL OR a.provider_id = $1)
       AND (a.scope = 'gateway' OR t.id IS NOT NULL OR u.id IS NOT NULL)
     ORDER BY CASE a.scope WHEN 'gateway' THEN 0 WHEN 'team' THEN 1 ELSE 2 END, subject`,
    [providerId ?? null],
  );
  return rows;
}

/** Replaces the subject's assignment, if any. */
export async function assignSearchProvider(db: Queryable, scope: SearchScope, subjectId: string | null, providerId: string): Promise<void> {
  await clearSearchAssignment(db, scope, subjectId);
  await db.query('INSERT INTO search_provider_assignments (scope, subject_id, provider_id) VALUES ($1, $2, $3)', [scope, subjectId, providerId]);
}

/** The provider id the subject was assigned, or undefined when it had none. */
export async function clearSearchAssignment(db: Queryable, scope: SearchScope, subjectId: string | null): Promise<string | undefined> {
  const { rows } = await db.query<{ provider_id: string }>(
    'DELETE FROM search_provider_assignments WHERE scope = $1 AND subject_id IS NOT DISTINCT FROM $2::uuid RETURNING provider_id',
    [scope, subjectId],
  );
  return rows[0]?.provider_id;
}
