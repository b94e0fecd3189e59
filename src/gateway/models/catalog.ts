/**
 * The Claude models ccag knows out of the box, as Bedrock serves them. Admins add or
 * override mappings at run time (ccag models map); this table is the code default.
 */

export type ThinkingMode = 'enabled' | 'adaptive' | 'both' | 'none';
export type ProfilePrefix = 'us' | 'eu' | 'apac' | 'jp' | 'au' | 'us-gov' | 'global';

export interface ModelInfo {
  /** Canonical Anthropic id (what /v1/models lists). */
  id: string;
  /** Other ids clients send for it (undated aliases). */
  aliases: string[];
  displayName: string;
  /** Bedrock foundation model id. */
  bedrockId: string;
  /** Cross-region inference profile prefixes Bedrock offers for it; empty: on-demand base id only. */
  profiles: ProfilePrefix[];
  createdAt: string;
  contextWindow: number;
  maxOutputTokens: number;
  /** Which `thinking.type` values the model takes. */
  thinking: ThinkingMode;
  /** `output_config.effort` is accepted. */
  effort: boolean;
  /** `role:"system"` messages inside `messages` are accepted. */
  systemMessages: boolean;
  /** `cache_control.ttl` is accepted. */
  cacheTtl: boolean;
  /** Bedrock's CountTokens API serves it (on the base model id). */
  countTokens: boolean;
  /** `[1m]` variants take the context-1m beta (newer models have 1M natively). */
  longContextBeta: boolean;
}

const allRegions: ProfilePrefix[] = ['global', 'us', 'eu', 'jp', 'apac'];

export const modelCatalog: ModelInfo[] = [
  { id: 'claude-fable-5', aliases: [], displayName: 'Claude Fable 5', bedrockId: 'anthropic.claude-fable-5', profiles: allRegions, createdAt: '2026-09-01T00:00:00Z', contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive', effort: true, systemMessages: true, cacheTtl: true, countTokens: false, longContextBeta: false },
  { id: 'claude-opus-5', aliases: [], displayName: 'Claude Opus 5', bedrockId: 'anthropic.claude-opus-5', profiles: allRegions, createdAt: '2026-07-01T00:00:00Z', contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive', effort: true, systemMessages: false, cacheTtl: true, countTokens: false, longContextBeta: false },
  { id: 'claude-sonnet-5', aliases: [], displayName: 'Claude Sonnet 5', bedrockId: 'anthropic.claude-sonnet-5', profiles: allRegions, createdAt: '2026-07-01T00:00:00Z', contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive', effort: true, systemMessages: false, cacheTtl: true, countTokens: false, longContextBeta: false },
  { id: 'claude-opus-4-8', aliases: [], displayName: 'Claude Opus 4.8', bedrockId: 'anthropic.claude-opus-4-8', profiles: allRegions, createdAt: '2026-05-01T00:00:00Z', contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive', effort: true, systemMessages: true, cacheTtl: true, countTokens: false, longContextBeta: false },
  { id: 'claude-opus-4-7', aliases: [], displayName: 'Claude Opus 4.7', bedrockId: 'anthropic.claude-opus-4-7', profiles: allRegions, createdAt: '2026-03-01T00:00:00Z', contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive', effort: true, systemMessages: false, cacheTtl: true, countTokens: false, longContextBeta: false },
  { id: 'claude-opus-4-6', aliases: [], displayName: 'Claude Opus 4.6', bedrockId: 'anthropic.claude-opus-4-6-v1', profiles: allRegions, createdAt: '2026-02-01T00:00:00Z', contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'both', effort: true, systemMessages: false, cacheTtl: true, countTokens: true, longContextBeta: false },
  { id: 'claude-sonnet-4-6', aliases: [], displayName: 'Claude Sonnet 4.6', bedrockId: 'anthropic.claude-sonnet-4-6', profiles: ['global', 'us', 'eu', 'jp'], createdAt: '2026-02-01T00:00:00Z', contextWindow: 1_000_000, maxOutputTokens: 64_000, thinking: 'both', effort: true, systemMessages: false, cacheTtl: true, countTokens: true, longContextBeta: false },
  { id: 'claude-sonnet-4-5-20250929', aliases: ['claude-sonnet-4-5'], displayName: 'Claude Sonnet 4.5', bedrockId: 'anthropic.claude-sonnet-4-5-20250929-v1:0', profiles: ['global', 'us', 'eu', 'jp'], createdAt: '2025-09-29T00:00:00Z', contextWindow: 200_000, maxOutputTokens: 64_000, thinking: 'enabled', effort: false, systemMessages: false, cacheTtl: true, countTokens: true, longContextBeta: true },
  { id: 'claude-opus-4-5-20251101', aliases: ['claude-opus-4-5'], displayName: 'Claude Opus 4.5', bedrockId: 'anthropic.claude-opus-4-5-20251101-v1:0', profiles: ['global', 'us', 'eu'], createdAt: '2025-11-01T00:00:00Z', contextWindow: 200_000, maxOutputTokens: 64_000, thinking: 'enabled', effort: true, systemMessages: false, cacheTtl: true, countTokens: true, longContextBeta: false },
  { id: 'claude-haiku-4-5-20251001', aliases: ['claude-haiku-4-5'], displayName: 'Claude Haiku 4.5', bedrockId: 'anthropic.claude-haiku-4-5-20251001-v1:0', profiles: ['global', 'us', 'eu'], createdAt: '2025-10-01T00:00:00Z', contextWindow: 200_000, maxOutputTokens: 64_000, thinking: 'enabled', effort: false, systemMessages: false, cacheTtl: true, countTokens: true, longContextBeta: false },
  { id: 'claude-opus-4-1-20250805', aliases: ['claude-opus-4-1'], displayName: 'Claude Opus 4.1', bedrockId: 'anthropic.claude-opus-4-1-20250805-v1:0', profiles: ['us'], createdAt: '2025-08-05T00:00:00Z', contextWindow: 200_000, maxOutputTokens: 32_000, thinking: 'enabled', effort: false, systemMessages: false, cacheTtl: false, countTokens: false, longContextBeta: false },
  { id: 'claude-sonnet-4-20250514', aliases: ['claude-sonnet-4-0', 'claude-sonnet-4'], displayName: 'Claude Sonnet 4', bedrockId: 'anthropic.claude-sonnet-4-20250514-v1:0', profiles: ['global', 'us', 'eu', 'apac'], createdAt: '2025-05-14T00:00:00Z', contextWindow: 200_000, maxOutputTokens: 64_000, thinking: 'enabled', effort: false, systemMessages: false, cacheTtl: false, countTokens: true, longContextBeta: true },
  { id: 'claude-3-5-haiku-20241022', aliases: ['claude-3-5-haiku-latest'], displayName: 'Claude Haiku 3.5', bedrockId: 'anthropic.claude-3-5-haiku-20241022-v1:0', profiles: ['us'], createdAt: '2024-10-22T00:00:00Z', contextWindow: 200_000, maxOutputTokens: 8_192, thinking: 'none', effort: false, systemMessages: false, cacheTtl: false, countTokens: false, longContextBeta: false },
];

const byId = new Map<string, ModelInfo>();
for (const m of modelCatalog) for (const id of [m.id, ...m.aliases, m.bedrockId]) byId.set(id, m);

/** The catalog entry for an Anthropic id, alias, or Bedrock foundation model id. */
export function catalogModel(id: string): ModelInfo | undefined {
  return byId.get(id);
}

/**
 * Region → the inference profile prefixes to try, best first: Japan and Australia have
 * profiles of their own, other Asia-Pacific regions share apac; global. serves anywhere.
 */
export function profilePrefixesForRegion(region: string): ProfilePrefix[] {
  if (region.startsWith('us-gov-')) return ['us-gov'];
  if (region.startsWith('us-') || region.startsWith('ca-')) return ['us', 'global'];
  if (region.startsWith('eu-')) return ['eu', 'global'];
  if (region === 'ap-northeast-1' || region === 'ap-northeast-3') return ['jp', 'apac', 'global'];
  if (region === 'ap-southeast-2' || region === 'ap-southeast-4') return ['au', 'apac', 'global'];
  if (region.startsWith('ap-')) return ['apac', 'global'];
  return ['global'];
}
