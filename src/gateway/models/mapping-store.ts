import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';

/** The channel replicas announce configuration changes on (model mappings, beta overrides…). */
export const configChannel = 'ccag_config';

export interface ModelMapping {
  model: string;
  bedrockModel: string;
  displayName: string | null;
}

export interface BetaOverride {
  model: string;
  beta: string;
  allowed: boolean;
}

/**
 * Admin model mappings and beta overrides, held in memory (the hot path reads no database)
 * and reloaded on every replica when any replica announces a change.
 */
export class ModelConfigStore {
  private mappings = new Map<string, ModelMapping>();
  private betaOverrides: BetaOverride[] = [];
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: Db,
    private readonly log?: Logger,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    const reload = () =>
      void this.reload().catch((err: Error) => this.log?.warn({ err: err.message }, 'model configuration reload failed'));
    this.unlisten = await this.db.listen(configChannel, { onNotification: reload, onReconnect: reload });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
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

  /** Admin overrides for a model: exact model first, then `*`. */
  betaOverridesFor(model: string): BetaOverride[] {
    return this.betaOverrides.filter((o) => o.model === model || o.model === '*');
  }
}
