import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import { ReloadingStore } from '../server/reloading-store.js';
import { fallbackModel, fallbackPrice, priceCatalog, type Price } from './price-catalog.js';

export interface PriceRow {
  model: string;
  input: number;
  output: number;
  cache_read: number;
  cache_write_5m: number;
  cache_write_1h: number;
  long_context_threshold: number | null;
  long_context_input_pct: number;
  long_context_output_pct: number;
  regional_uplift_pct: number;
}

export interface PriceLookup {
  price: Price;
  /** The model whose price applied (`*` for the fallback). */
  model: string;
  /** False when no price was known for the model and the fallback was charged. */
  priced: boolean;
}

export const rowToPrice = (r: PriceRow): Price => ({
  input: r.input,
  output: r.output,
  cacheRead: r.cache_read,
  cacheWrite5m: r.cache_write_5m,
  cacheWrite1h: r.cache_write_1h,
  longContextThreshold: r.long_context_threshold,
  longContextInputPct: r.long_context_input_pct,
  longContextOutputPct: r.long_context_output_pct,
  regionalUpliftPct: r.regional_uplift_pct,
});

/** Prices: the built-in list with admin overrides on top (topic `prices`). */
export class PriceStore extends ReloadingStore {
  private overrides = new Map<string, Price>();

  constructor(db: Db, log?: Logger) {
    super(db, 'prices', log);
  }

  async reload(): Promise<void> {
    const { rows } = await this.db.query<PriceRow>('SELECT * FROM model_prices');
    this.overrides = new Map(rows.map((r) => [r.model, rowToPrice(r)]));
  }

  /** The price for a request: an override for the id asked for, then for the model served, then the list, then the fallback. */
  lookup(requested: string, served: string): PriceLookup {
    for (const model of [requested, served]) {
      const override = this.overrides.get(model);
      if (override) return { price: override, model, priced: true };
    }
    const listed = priceCatalog[served];
    if (listed) return { price: listed, model: served, priced: true };
    return { price: this.overrides.get(fallbackModel) ?? fallbackPrice, model: fallbackModel, priced: false };
  }

  /** Every effective price: the list, overrides on top, marked by source. */
  all(): { model: string; price: Price; source: 'list' | 'admin' }[] {
    const out = new Map<string, { model: string; price: Price; source: 'list' | 'admin' }>();
    for (const [model, price] of Object.entries(priceCatalog)) out.set(model, { model, price, source: 'list' });
    out.set(fallbackModel, { model: fallbackModel, price: fallbackPrice, source: 'list' });
    for (const [model, price] of this.overrides) out.set(model, { model, price, source: 'admin' });
    return [...out.values()].sort((a, b) => a.model.localeCompare(b.model));
  }
}
