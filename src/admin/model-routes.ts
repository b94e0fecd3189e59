import type { FastifyInstance } from 'fastify';
import { notFound } from '../api/errors.js';
import { betaOverrideRequest, mapModelRequest, modelRef, type BetaOverrideView, type ModelMappingView } from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { catalogModel, modelCatalog } from '../gateway/models/catalog.js';
import { canonicalModelId, resolveModel } from '../gateway/models/resolve.js';
import { announceConfigChange } from '../server/reloading-store.js';
import type { Services } from '../server/services.js';
import { mutate, type Mutation } from './mutation.js';
import { parseBody } from './request.js';

/** Model mappings (Anthropic id → Bedrock) and per-model beta overrides. */
export async function modelRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { inference } = services;
  const store = inference.models;

  const view = (model: string): ModelMappingView => {
    const mapping = store.mapping(model);
    const resolved = resolveModel(model, store, inference.profilePrefixes);
    const info = resolved.info;
    return {
      model,
      bedrock_model: resolved.bedrockModelId,
      display_name: mapping?.displayName ?? info?.displayName ?? model,
      source: mapping ? 'admin' : 'catalog',
      context_window: info?.contextWindow ?? null,
      thinking: info?.thinking ?? null,
      count_tokens: info?.countTokens ?? false,
    };
  };
  const announce = (m: Mutation) => announceConfigChange(m.tx, 'models');

  app.get('/models', { config: { access: adminApi() } }, async (): Promise<{ data: ModelMappingView[]; next_cursor: null }> => {
    const ids = new Set([...modelCatalog.map((m) => m.id), ...store.allMappings().map((m) => m.model)]);
    return { data: [...ids].sort().map(view), next_cursor: null };
  });

  app.put<{ Params: { model: string } }>('/models/:model', { config: { access: adminApi('admin') } }, async (req): Promise<ModelMappingView> => {
    const model = parseBody(modelRef, req.params.model);
    const body = parseBody(mapModelRequest, req.body);
    await mutate(services, req, async (m) => {
      const before = store.mapping(model);
      await m.tx.query(
        `INSERT INTO model_mappings (model, bedrock_model, display_name) VALUES ($1, $2, $3)
         ON CONFLICT (model) DO UPDATE SET bedrock_model = $2, display_name = $3, updated_at = now()`,
        [model, body.bedrock_model, body.display_name ?? null],
      );
      await m.audit({ action: 'model.map', targetType: 'model', targetId: model, before, after: body });
      await announce(m);
    });
    await store.reload();
    return view(model);
  });

  app.delete<{ Params: { model: string } }>('/models/:model', { config: { access: adminApi('admin') } }, async (req, reply) => {
    const model = req.params.model;
    await mutate(services, req, async (m) => {
      const { rows } = await m.tx.query('DELETE FROM model_mappings WHERE lower(model) = lower($1) RETURNING model, bedrock_model', [model]);
      if (!rows.length) throw notFound(catalogModel(model) ? `${model} is a built-in model; only admin mappings can be removed` : `no mapping for ${model}`);
      await m.audit({ action: 'model.unmap', targetType: 'model', targetId: model, before: rows[0] });
      await announce(m);
    });
    await store.reload();
    return reply.code(204).send();
  });

  app.get('/model-betas', { config: { access: adminApi() } }, async (): Promise<{ data: BetaOverrideView[]; next_cursor: null }> => {
    const { rows } = await services.db.query<BetaOverrideView>('SELECT model, beta, allowed FROM model_betas ORDER BY model, beta');
    return { data: rows, next_cursor: null };
  });

  app.put('/model-betas', { config: { access: adminApi('admin') } }, async (req): Promise<BetaOverrideView> => {
    const parsed = parseBody(betaOverrideRequest, req.body);
    // Overrides apply by canonical id, so claude-sonnet-4-5 and its dated id are one model.
    const body = { ...parsed, model: parsed.model === '*' ? '*' : canonicalModelId(parsed.model) };
    await mutate(services, req, async (m) => {
      await m.tx.query(
        `INSERT INTO model_betas (model, beta, allowed) VALUES ($1, $2, $3) ON CONFLICT (model, beta) DO UPDATE SET allowed = $3`,
        [body.model, body.beta, body.allowed],
      );
      await m.audit({ action: 'model.beta', targetType: 'model', targetId: body.model, after: body });
      await announce(m);
    });
    await store.reload();
    return body;
  });

  app.delete<{ Params: { model: string; beta: string } }>('/model-betas/:model/:beta', { config: { access: adminApi('admin') } }, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const model = req.params.model === '*' ? '*' : canonicalModelId(req.params.model);
      const { rows } = await m.tx.query('DELETE FROM model_betas WHERE model = $1 AND beta = $2 RETURNING model, beta, allowed', [model, req.params.beta]);
      if (!rows.length) throw notFound(`no override of ${req.params.beta} for ${req.params.model}`);
      await m.audit({ action: 'model.beta_reset', targetType: 'model', targetId: req.params.model, before: rows[0] });
      await announce(m);
    });
    await store.reload();
    return reply.code(204).send();
  });
}
