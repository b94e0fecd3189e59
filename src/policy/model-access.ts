import { forbidden } from '../api/errors.js';
import type { Principal } from '../auth/principal.js';
import { canonicalModelId } from '../gateway/models/resolve.js';

/** A key limited to some models may call only those (403 naming the model otherwise). */
export function assertModelAllowed(p: Principal, model: string): void {
  if (!p.models || mayUseModel(p, model)) return;
  throw forbidden(`this key may not use the model ${model}; it may use: ${p.models.join(', ')}`);
}

/** A key's model list matches a model under any of its names (alias, dated id, Bedrock id). */
export function mayUseModel(p: Principal, model: string): boolean {
  if (!p.models) return true;
  const wanted = canonicalModelId(model);
  return p.models.some((m) => m === model || canonicalModelId(m) === wanted);
}
