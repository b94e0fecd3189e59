import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../api/errors.js';
import { parseQuery, principalOf } from '../admin/request.js';
import { anyCredential } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Services } from '../server/services.js';
import type { ServedModels } from '../routing/model-discovery.js';
import { catalogModel, modelCatalog } from './models/catalog.js';
import type { ModelConfigStore } from './models/mapping-store.js';
import { canonicalModelId, profilePattern } from './models/resolve.js';
import { mayUseModel } from '../policy/model-access.js';
import { allowedModelEntry } from '../policy/evaluate.js';
import { modelNames } from '../policy/model-names.js';
import type { PolicyStore } from '../policy/policy-store.js';

/** A model in Anthropic's /v1/models shape. */
export interface ModelEntry {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
}

/** How long /v1/models waits for an endpoint's model discovery before counting it as serving the catalog. */
const discoveryWaitMs = 3_000;

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  after_id: z.string().optional(),
  before_id: z.string().optional(),
});

/**
 * The models a caller may use: the catalog plus admin mappings, limited by the key's model list
 * and the caller's policy. With `served` (model discovery over the caller's endpoints), only
 * catalog models they serve, mappings to them, and the Claude models found beyond the catalog.
 */
export function availableModels(models: ModelConfigStore, policies: PolicyStore, p: Principal, served?: ServedModels): ModelEntry[] {
  const entries = new Map<string, ModelEntry>();
  const isServed = (id: string) => !served || served.known.has(id);
  for (const m of modelCatalog) if (isServed(m.id)) entries.set(m.id, { type: 'model', id: m.id, display_name: m.displayName, created_at: m.createdAt });
  for (const m of served?.unknown ?? []) if (!entries.has(m.id)) entries.set(m.id, { type: 'model', id: m.id, display_name: m.displayName, created_at: m.createdAt });
  for (const m of models.allMappings()) {
    const target = catalogModel(m.bedrockModel) ?? catalogModel(profilePattern.exec(m.bedrockModel)?.[2] ?? '');
    if (target && !isServed(target.id)) continue;
    const base = entries.get(m.bedrockModel);
    entries.set(m.model, { type: 'model', id: m.model, display_name: m.displayName ?? base?.display_name ?? m.model, created_at: base?.created_at ?? '2025-01-01T00:00:00Z' });
  }
  const all = [...entries.values()].sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  const { policy } = policies.decideFor(p);
  return all.filter((m) => mayUseModel(p, m.id) && (!policy?.allowedModels || allowedModelEntry(policy, modelNames(m.id, models)) !== undefined));
}

/** GET /v1/models and /v1/models/{id}, in Anthropic's list shape. */
export async function modelsRoute(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { inference } = services;

  /** What the caller's endpoints serve; undefined (the whole catalog) when discovery found nothing. */
  const servedFor = (p: Principal) => inference.discovery.servedBy(inference.router.candidates(p).endpoints, discoveryWaitMs);

  app.get('/v1/models', { config: { access: anyCredential } }, async (req) => {
    const q = parseQuery(listQuery, req.query);
    const p = principalOf(req);
    const all = availableModels(inference.models, inference.policies, p, await servedFor(p));
    let start = 0;
    let end = all.length;
    if (q.after_id) start = all.findIndex((m) => m.id === q.after_id) + 1;
    if (q.before_id) end = Math.max(0, all.findIndex((m) => m.id === q.before_id));
    const data = q.before_id ? all.slice(Math.max(start, end - q.limit), end) : all.slice(start, start + q.limit);
    const hasMore = q.before_id ? end - q.limit > start : start + q.limit < end;
    return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null };
  });

  app.get<{ Params: { id: string } }>('/v1/models/:id', { config: { access: anyCredential } }, async (req) => {
    // Aliases (claude-sonnet-4-5) answer with the model they name.
    const wanted = canonicalModelId(req.params.id);
    const p = principalOf(req);
    const model = availableModels(inference.models, inference.policies, p, await servedFor(p)).find((m) => m.id === req.params.id || m.id === wanted);
    if (!model) throw notFound(`model: ${req.params.id}`);
    return model;
  });
}
