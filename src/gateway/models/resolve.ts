import { notFound } from '../../api/errors.js';
import { catalogModel, type ModelInfo, type ProfilePrefix } from './catalog.js';
import type { ModelConfigStore } from './mapping-store.js';

export interface ResolvedModel {
  /** What the client asked for (echoed back in responses). */
  requested: string;
  /** The id Bedrock is called with: an inference profile id, a base id or an ARN. */
  bedrockModelId: string;
  /** What ccag knows about the model's capabilities; undefined for an unknown passthrough. */
  info?: ModelInfo;
  /** The client asked for the 1M context window (`[1m]` suffix). */
  longContext: boolean;
}

const longContextSuffix = /\[1m\]$/i;
/** A cross-region inference profile id: its prefix, then the Bedrock model id. */
export const profilePattern = /^(us|eu|apac|jp|au|us-gov|global)\.(anthropic\..+)$/;

/**
 * Maps the model a client names to what Bedrock is called with: admin mappings first, then
 * the catalog; Bedrock ids, profile ids and ARNs pass through.
 */
export function resolveModel(requested: string, store: ModelConfigStore, prefixes: readonly ProfilePrefix[]): ResolvedModel {
  const longContext = longContextSuffix.test(requested);
  const name = requested.replace(longContextSuffix, '');
  const mapped = store.mapping(name)?.bedrockModel;
  const target = mapped ?? name;

  if (target.startsWith('arn:aws')) {
    return { requested, bedrockModelId: target, info: catalogModel(name), longContext };
  }
  const profile = profilePattern.exec(target);
  if (profile) return { requested, bedrockModelId: target, info: catalogModel(profile[2]!), longContext };

  const info = catalogModel(target);
  if (info) return { requested, bedrockModelId: withProfile(info.bedrockId, info.profiles, prefixes), info, longContext };
  if (target.startsWith('anthropic.')) return { requested, bedrockModelId: target, longContext };
  // A Claude model the catalog lacks, under the id model discovery listed it with (cached only).
  const discovered = store.discoveredModel?.(target);
  if (discovered) return { requested, bedrockModelId: withProfile(discovered.bedrockId, discovered.profiles, prefixes), longContext };
  throw notFound(`model: ${requested}`);
}

/**
 * The model as an endpoint calls it: an application inference profile ARN configured for the
 * model on that endpoint, else the endpoint's own profile prefixes.
 */
export function resolveModelAt(
  endpoint: { profilePrefixes: readonly ProfilePrefix[]; modelArns: ReadonlyMap<string, string> },
  requested: string,
  store: ModelConfigStore,
): ResolvedModel {
  const resolved = resolveModel(requested, store, endpoint.profilePrefixes);
  if (endpoint.modelArns.size === 0) return resolved;
  const arn = endpoint.modelArns.get(requested.replace(longContextSuffix, '')) ?? (resolved.info ? endpoint.modelArns.get(resolved.info.id) : undefined);
  return arn ? { ...resolved, bedrockModelId: arn } : resolved;
}

/**
 * Newer models run only through cross-region inference profiles: the region's best one the
 * model has. A model with none of them (Opus 4.1 is offered in us. only) keeps its own.
 */
function withProfile(bedrockId: string, profiles: readonly ProfilePrefix[], prefixes: readonly ProfilePrefix[]): string {
  if (profiles.length === 0) return bedrockId;
  const chosen = prefixes.find((p) => profiles.includes(p)) ?? profiles[0]!;
  return `${chosen}.${bedrockId}`;
}

/** The canonical id of a model the catalog knows under several names (aliases, Bedrock ids). */
export function canonicalModelId(model: string): string {
  return catalogModel(model.replace(longContextSuffix, ''))?.id ?? model.replace(longContextSuffix, '');
}
