import type { Db, Queryable } from '../../db/db.js';
import { findIdentityProvider, listIdentityProviders, type IdentityProviderRow } from '../../db/repos/identity-providers.js';
import type { SecretBox } from '../secret-key.js';
import { OidcRelyingParty } from './relying-party.js';

/**
 * The configured identity providers as OIDC clients. Rows are read from the database at each
 * sign-in (rare), so changes apply on every replica at once; the client objects, with their
 * discovery and JWKS caches, live as long as the row is unchanged.
 */
export class IdentityProviders {
  private readonly clients = new Map<string, { updatedAt: number; rp: OidcRelyingParty }>();

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly redirectUri: () => string,
  ) {}

  async enabled(db: Queryable = this.db): Promise<IdentityProviderRow[]> {
    return (await listIdentityProviders(db)).filter((p) => p.enabled);
  }

  /** The client for an enabled provider, by id or name. */
  async get(idOrName: string, db: Queryable = this.db): Promise<OidcRelyingParty | undefined> {
    const row = await findIdentityProvider(db, idOrName);
    return row?.enabled ? this.client(row) : undefined;
  }

  client(row: IdentityProviderRow): OidcRelyingParty {
    const updatedAt = new Date(row.updated_at).getTime();
    const cached = this.clients.get(row.id);
    if (cached && cached.updatedAt === updatedAt) return cached.rp;
    const secret = row.client_secret_sealed ? this.secrets.decrypt(row.client_secret_sealed) : undefined;
    const rp = new OidcRelyingParty(row, secret, this.redirectUri());
    this.clients.set(row.id, { updatedAt, rp });
    return rp;
  }
}
