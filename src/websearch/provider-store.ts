import type { Logger } from 'pino';
import type { SecretBox } from '../auth/secret-key.js';
import type { Db } from '../db/db.js';
import { listSearchAssignments, listSearchProviders, type SearchProviderRow } from '../db/repos/search-providers.js';
import { ReloadingStore } from '../server/reloading-store.js';
import { createProvider, type ProviderKind, type SearchProvider } from './provider.js';

/** A provider from its row, with the API key unsealed. Throws as createProvider does. */
export function buildSearchProvider(row: SearchProviderRow, secrets: SecretBox): SearchProvider {
  return createProvider({
    kind: row.kind as ProviderKind,
    url: row.url ?? undefined,
    apiKey: row.api_key_sealed ? secrets.decrypt(row.api_key_sealed) : undefined,
    timeoutMs: row.timeout_ms ?? undefined,
    allowPrivateAddresses: row.allow_private,
  });
}

/**
 * The search providers admins added and who searches with which (topic `search`): a user's
 * assignment, else the team's, else the gateway's, else the provider of the CCAG_SEARCH_* settings.
 */
export class SearchProviderStore extends ReloadingStore {
  private providers = new Map<string, SearchProvider>();
  /** `gateway`, `team:<id>`, `user:<id>` → provider id. */
  private assignments = new Map<string, string>();

  constructor(
    db: Db,
    private readonly secrets: SecretBox,
    /** The provider of the CCAG_SEARCH_* settings. */
    readonly fallback: SearchProvider,
    log?: Logger,
  ) {
    super(db, 'search', log);
  }

  async reload(): Promise<void> {
    const [rows, assigned] = await Promise.all([listSearchProviders(this.db), listSearchAssignments(this.db)]);
    const providers = new Map<string, SearchProvider>();
    for (const row of rows) {
      try {
        providers.set(row.id, buildSearchProvider(row, this.secrets));
      } catch (err) {
        // Whoever it is assigned to falls through to the next assignment up.
        this.log?.warn({ err: (err as Error).message, provider: row.name }, 'search provider unusable');
      }
    }
    this.providers = providers;
    this.assignments = new Map(assigned.map((a) => [a.scope === 'gateway' ? 'gateway' : `${a.scope}:${a.subject_id}`, a.provider_id]));
  }

  /** Who searches with what: the user's provider, else the team's, else the gateway's. */
  providerFor(principal: { userId: string | null; teamId: string | null }): SearchProvider {
    const keys = [principal.userId && `user:${principal.userId}`, principal.teamId && `team:${principal.teamId}`, 'gateway'];
    for (const key of keys) {
      const provider = key ? this.providers.get(this.assignments.get(key) ?? '') : undefined;
      if (provider) return provider;
    }
    return this.fallback;
  }
}
