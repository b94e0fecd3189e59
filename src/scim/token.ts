import type { Queryable } from '../db/db.js';
import { findIdentityProvider, type IdentityProviderRow } from '../db/repos/identity-providers.js';
import { hashSecret, randomBase62 } from '../auth/random-token.js';
import { ScimError } from './errors.js';

export const scimTokenPrefix = 'ccag-scim-';

/** A SCIM bearer token: shown once, stored as SHA-256 with a visible prefix. */
export function generateScimToken(): { token: string; hash: string; prefix: string } {
  const token = scimTokenPrefix + randomBase62(32);
  return { token, hash: hashSecret(token), prefix: token.slice(0, 16) };
}

export async function storeScimToken(tx: Queryable, idpId: string, t: { hash: string; prefix: string }): Promise<void> {
  await tx.query(
    `INSERT INTO scim_tokens (idp_id, token_hash, prefix) VALUES ($1, $2, $3)
     ON CONFLICT (idp_id) DO UPDATE SET token_hash = $2, prefix = $3, created_at = now()`,
    [idpId, t.hash, t.prefix],
  );
}

export async function scimTokenOf(db: Queryable, idpId: string): Promise<{ prefix: string; created_at: Date } | undefined> {
  const { rows } = await db.query<{ prefix: string; created_at: Date }>('SELECT prefix, created_at FROM scim_tokens WHERE idp_id = $1', [idpId]);
  return rows[0];
}

/** The identity provider a SCIM request's bearer token belongs to; 401 in SCIM's shape otherwise. */
export async function authenticateScim(db: Queryable, authorization: string | undefined): Promise<IdentityProviderRow> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) throw new ScimError(401, 'missing bearer token: use the token from `ccag scim enable --idp NAME`');
  const { rows } = await db.query<{ idp_id: string }>('SELECT idp_id FROM scim_tokens WHERE token_hash = $1', [hashSecret(token)]);
  const idp = rows[0] && (await findIdentityProvider(db, rows[0].idp_id));
  if (!idp) throw new ScimError(401, 'invalid SCIM token');
  return idp;
}
