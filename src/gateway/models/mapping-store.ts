import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import { ReloadingStore } from '../../server/reloading-store.js';
import type { ProfilePrefix } from './catalog.js';

export interface ModelMapping {
  model: string;
  bedrockModel: string;
  displayName: string | null;
}

/** A Claude model the catalog lacks, found on an endpoint by model discovery. */
export interface DiscoveredModelRef {
  bedrockId: string;
  profiles: readonly ProfilePrefix[];
}

export interface BetaOverride {
  model: string;
  beta: string;
  allowed: boolean;
}

/** Admin model mappings and beta overrides (topic `models`). */
export class ModelConfigStore extends ReloadingStore {
  private mappings = new Map<string, ModelMapping>();
  private betaOverrides: BetaOverride[] = [];
  private discovered: (model: string) => DiscoveredModelRef | undefined = () => undefined;

  constructor(db: Db, log?: Logger) {
    super(db, 'models', log);
  }

  async reload(): Promise<void> {
    const [maps, betas] = await Promise.all([
      this.db.query<{ model: string; bedrock_model: string; display_name: string | null }>('SELECT model, bedrock_model, display_name FROM model_mappings'),
      this.db.query<BetaOverride>('SELECT model, beta, allowed FROM model_betas'),
    ]);
    this.mappings = new Map(maps.rows.map((r) => [r.model.toLowerCase(), { model: r.model, bedrockModel: r.bedrock_model, displayName: r.display_name }]));
    this.betaOverrides = betas.rows;
  }

  mapping(model: string): ModelMapping | undefined {
    return this.mappings.get(model.toLowerCase());
  }

  allMappings(): ModelMapping[] {
    return [...this.mappings.values()];
  }

  /** Where models the catalog lacks are looked up: the cached lists of model discovery (src/routing/model-discovery.ts). */
  useDiscovered(lookup: (model: string) => DiscoveredModelRef | undefined): void {
    this.discovered = lookup;
  }

  discoveredModel(model: string): DiscoveredModelRef | undefined {
    return this.discovered(model);
  }

  /** Admin overrides for a model: exact model first, then `*`. */
  betaOverridesFor(model: string): BetaOverride[] {
    return this.betaOverrides.filter((o) => o.model === model || o.model === '*');
  }
}
