import type { FastifyInstance } from 'fastify';
import { notFound } from '../api/errors.js';
import { importPricesRequest, modelRef, priceFields, type PriceFields, type PriceView } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import type { Queryable } from '../db/db.js';
import { announceConfigChange } from '../server/reloading-store.js';
import type { Services } from '../server/services.js';
import { priceCatalog, type Price } from '../spend/price-catalog.js';
import { canonicalModelId } from '../gateway/models/resolve.js';
import { mutate } from './mutation.js';
import { parseBody } from './request.js';

const micros = (usd: number) => Math.round(usd * 1_000_000);
const usd = (micro: number) => micro / 1_000_000;

export function toPriceView(model: string, p: Price, source: 'list' | 'admin'): PriceView {
  return {
    model,
    input: usd(p.input),
    output: usd(p.output),
    cache_read: usd(p.cacheRead),
    cache_write_5m: usd(p.cacheWrite5m),
    cache_write_1h: usd(p.cacheWrite1h),
    long_context_threshold: p.longContextThreshold,
    long_context_input_pct: p.longContextInputPct,
    long_context_output_pct: p.longContextOutputPct,
    regional_uplift_pct: p.regionalUpliftPct,
    source,
  };
}

/** Cache prices default to Anthropic's multipliers of the input price. */
async function upsertPrice(tx: Queryable, model: string, f: PriceFields): Promise<void> {
  await tx.query(
    `INSERT INTO model_prices (model, input, output, cache_read, cache_write_5m, cache_write_1h, long_context_threshold, long_context_input_pct, long_context_output_pct, regional_uplift_pct)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (model) DO UPDATE SET input = $2, output = $3, cache_read = $4, cache_write_5m = $5, cache_write_1h = $6,
       long_context_threshold = $7, long_context_input_pct = $8, long_context_output_pct = $9, regional_uplift_pct = $10, updated_at = now()`,
    [
      model,
      micros(f.input),
      micros(f.output),
      micros(f.cache_read ?? f.input * 0.1),
      micros(f.cache_write_5m ?? f.input * 1.25),
      micros(f.cache_write_1h ?? f.input * 2),
      f.long_context_threshold ?? null,
      f.long_context_input_pct ?? 100,
      f.long_context_output_pct ?? 100,
      f.regional_uplift_pct ?? priceCatalog[model]?.regionalUpliftPct ?? 0,
    ],
  );
}

/** The price table: list prices with admin overrides; `*` is what unpriced models are charged. */
export async function pricingRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const prices = services.inference.prices;

  app.get('/pricing', { config: { access: adminApi() } }, async () => ({
    data: prices.all().map((p) => toPriceView(p.model, p.price, p.source)),
    next_cursor: null,
  }));

  app.put<{ Params: { model: string } }>('/pricing/:model', { config: { access: adminApi('admin') } }, async (req): Promise<PriceView> => {
    const model = canonicalModelId(parseBody(modelRef, req.params.model));
    const body = parseBody(priceFields, req.body);
    await mutate(services, req, async (m) => {
      await upsertPrice(m.tx, model, body);
      await m.audit({ action: 'price.set', targetType: 'model', targetId: model, after: body });
      await announceConfigChange(m.tx, 'prices');
    });
    await prices.reload();
    const effective = prices.all().find((p) => p.model === model)!;
    return toPriceView(model, effective.price, effective.source);
  });

  app.post('/pricing/import', { config: { access: adminApi('admin') } }, async (req) => {
    const body = parseBody(importPricesRequest, req.body);
    await mutate(services, req, async (m) => {
      for (const { model, ...fields } of body.prices) await upsertPrice(m.tx, canonicalModelId(model), fields);
      await m.audit({ action: 'price.import', targetType: 'model', targetId: null, after: body.prices });
      await announceConfigChange(m.tx, 'prices');
    });
    await prices.reload();
    return { imported: body.prices.length };
  });

  app.delete<{ Params: { model: string } }>('/pricing/:model', { config: { access: adminApi('admin') } }, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const { rows } = await m.tx.query('DELETE FROM model_prices WHERE model = $1 RETURNING model', [canonicalModelId(req.params.model)]);
      if (!rows.length) throw notFound(`no price override for ${req.params.model}`);
      await m.audit({ action: 'price.reset', targetType: 'model', targetId: req.params.model });
      await announceConfigChange(m.tx, 'prices');
    });
    await prices.reload();
    return reply.code(204).send();
  });
}
