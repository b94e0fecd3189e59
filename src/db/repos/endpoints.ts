import type { Queryable } from '../db.js';
import { isUuid } from './page.js';

export interface EndpointRow {
  id: string;
  name: string;
  region: string;
  credentials: Record<string, unknown>;
  profile_prefix: string | null;
  model_arns: Record<string, string>;
  priority: number;
  weight: number;
  enabled: boolean;
  endpoint_url: string | null;
  created_at: Date;
  updated_at: Date;
}

export type EndpointFields = Omit<EndpointRow, 'id' | 'created_at' | 'updated_at'>;

export interface TeamRoutingRow {
  team_id: string;
  strategy: string;
  endpoint_ids: string[];
}

export async function listEndpoints(db: Queryable): Promise<EndpointRow[]> {
  const { rows } = await db.query<EndpointRow>('SELECT * FROM endpoints ORDER BY priority, lower(name)');
  return rows;
}

export async function findEndpoint(db: Queryable, ref: string): Promise<EndpointRow | undefined> {
  const { rows } = isUuid(ref)
    ? await db.query<EndpointRow>('SELECT * FROM endpoints WHERE id = $1', [ref])
    : await db.query<EndpointRow>('SELECT * FROM endpoints WHERE lower(name) = lower($1)', [ref]);
  return rows[0];
}

const columns = ['name', 'region', 'credentials', 'profile_prefix', 'model_arns', 'priority', 'weight', 'enabled', 'endpoint_url'] as const;
const values = (f: EndpointFields) => [f.name, f.region, JSON.stringify(f.credentials), f.profile_prefix, JSON.stringify(f.model_arns), f.priority, f.weight, f.enabled, f.endpoint_url];

export async function insertEndpoint(db: Queryable, f: EndpointFields): Promise<EndpointRow> {
  const { rows } = await db.query<EndpointRow>(`INSERT INTO endpoints (${columns.join(', ')}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`, values(f));
  return rows[0]!;
}

export async function updateEndpoint(db: Queryable, id: string, f: EndpointFields): Promise<EndpointRow> {
  const sets = columns.map((c, i) => `${c} = $${i + 2}`).join(', ');
  const { rows } = await db.query<EndpointRow>(`UPDATE endpoints SET ${sets}, updated_at = now() WHERE id = $1 RETURNING *`, [id, ...values(f)]);
  return rows[0]!;
}

export async function deleteEndpoint(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM endpoints WHERE id = $1', [id]);
  await db.query('UPDATE team_routing SET endpoint_ids = array_remove(endpoint_ids, $1::uuid)', [id]);
}

export async function listTeamRouting(db: Queryable): Promise<TeamRoutingRow[]> {
  const { rows } = await db.query<TeamRoutingRow>('SELECT team_id, strategy, endpoint_ids FROM team_routing');
  return rows;
}

export async function setTeamRouting(db: Queryable, teamId: string, strategy: string, endpointIds: string[]): Promise<void> {
  await db.query(
    `INSERT INTO team_routing (team_id, strategy, endpoint_ids) VALUES ($1, $2, $3)
     ON CONFLICT (team_id) DO UPDATE SET strategy = $2, endpoint_ids = $3, updated_at = now()`,
    [teamId, strategy, endpointIds],
  );
}

export async function clearTeamRouting(db: Queryable, teamId: string): Promise<void> {
  await db.query('DELETE FROM team_routing WHERE team_id = $1', [teamId]);
}
