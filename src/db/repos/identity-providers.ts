import type { Queryable } from '../db.js';
import { isUuid } from './page.js';

export interface GroupMapping {
  group: string;
  /** Team id. */
  team?: string;
  role?: string;
}

export interface IdentityProviderRow {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string | null;
  scopes: string[];
  user_claim: string;
  groups_claim: string;
  allowed_domains: string[];
  auto_provision: boolean;
  default_role: string;
  default_team_id: string | null;
  group_mappings: GroupMapping[];
  enabled: boolean;
  seeded_from_env: boolean;
  created_at: Date;
  updated_at: Date;
}

/** The columns an admin sets (all but ids and timestamps). */
export type IdentityProviderFields = Omit<IdentityProviderRow, 'id' | 'created_at' | 'updated_at' | 'seeded_from_env'>;

/** What a new identity provider gets for the fields an admin does not set. */
export const identityProviderDefaults = {
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  user_claim: 'email',
  groups_claim: 'groups',
  allowed_domains: [] as string[],
  auto_provision: true,
  default_role: 'member',
  default_team_id: null as string | null,
  group_mappings: [] as GroupMapping[],
  enabled: true,
};

export async function listIdentityProviders(db: Queryable): Promise<IdentityProviderRow[]> {
  const { rows } = await db.query<IdentityProviderRow>('SELECT * FROM identity_providers ORDER BY lower(name)');
  return rows;
}

/** By id or by name (case-insensitive). */
export async function findIdentityProvider(db: Queryable, idOrName: string): Promise<IdentityProviderRow | undefined> {
  const { rows } = isUuid(idOrName)
    ? await db.query<IdentityProviderRow>('SELECT * FROM identity_providers WHERE id = $1', [idOrName])
    : await db.query<IdentityProviderRow>('SELECT * FROM identity_providers WHERE lower(name) = lower($1)', [idOrName]);
  return rows[0];
}

export async function insertIdentityProvider(db: Queryable, f: IdentityProviderFields, seededFromEnv = false): Promise<IdentityProviderRow> {
  const { rows } = await db.query<IdentityProviderRow>(
    `INSERT INTO identity_providers (name, issuer, client_id, client_secret_sealed, scopes, user_claim, groups_claim,
       allowed_domains, auto_provision, default_role, default_team_id, group_mappings, enabled, seeded_from_env)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
    [...fieldValues(f), seededFromEnv],
  );
  return rows[0]!;
}

export async function updateIdentityProvider(db: Queryable, id: string, f: IdentityProviderFields): Promise<IdentityProviderRow> {
  const { rows } = await db.query<IdentityProviderRow>(
    `UPDATE identity_providers SET name = $1, issuer = $2, client_id = $3, client_secret_sealed = $4, scopes = $5,
       user_claim = $6, groups_claim = $7, allowed_domains = $8, auto_provision = $9, default_role = $10,
       default_team_id = $11, group_mappings = $12, enabled = $13, updated_at = now()
     WHERE id = $14 RETURNING *`,
    [...fieldValues(f), id],
  );
  return rows[0]!;
}

export async function deleteIdentityProvider(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM identity_providers WHERE id = $1', [id]);
}

function fieldValues(f: IdentityProviderFields): unknown[] {
  return [
    f.name,
    f.issuer,
    f.client_id,
    f.client_secret_sealed,
    f.scopes,
    f.user_claim,
    f.groups_claim,
    f.allowed_domains,
    f.auto_provision,
    f.default_role,
    f.default_team_id,
    JSON.stringify(f.group_mappings),
    f.enabled,
  ];
}
