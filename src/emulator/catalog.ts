/**
 * The emulator's own knowledge of Bedrock's Claude models (protocols.md 2.2, 2.6, 2.8; A-think
 * for thinking modes). It is deliberately independent of any gateway table, so that a wrong
 * gateway mapping fails against it.
 */
import { BedrockError } from './exceptions.js';

export type ProfilePrefix = 'global' | 'us' | 'eu' | 'jp' | 'apac';
export type ThinkingMode = 'enabled' | 'adaptive';

export interface CatalogModel {
  baseId: string;
  /** The Anthropic model name Bedrock echoes in `model`. */
  anthropicName: string;
  displayName: string;
  /** Cross-region inference profiles `<prefix>.<baseId>` that exist. */
  profilePrefixes: ProfilePrefix[];
  /** Newer models run only through an inference profile (no on-demand throughput). */
  requiresProfile: boolean;
  contextWindow: number;
  /** The context-1m beta raises the window to 1M. */
  longContextBeta: boolean;
  thinkingModes: ThinkingMode[];
  /** What `thinking.display` is when the request leaves it out. */
  thinkingDisplayDefault: 'summarized' | 'omitted';
  /** Accepts role:"system" messages inside `messages`. */
  systemMessagesInConversation: boolean;
  /** bedrock-runtime CountTokens works on the base id. */
  countTokens: boolean;
  /** Past end of life: every invocation is refused. */
  retired: boolean;
}

const oneMillion = 1_000_000;
const twoHundredK = 200_000;
const allPrefixes: ProfilePrefix[] = ['global', 'us', 'eu', 'jp', 'apac'];

function model(m: Partial<CatalogModel> & Pick<CatalogModel, 'baseId' | 'anthropicName' | 'displayName' | 'profilePrefixes'>): CatalogModel {
  return {
    requiresProfile: true,
    contextWindow: oneMillion,
    longContextBeta: false,
    thinkingModes: ['adaptive'],
    thinkingDisplayDefault: 'omitted',
    systemMessagesInConversation: false,
    countTokens: false,
    retired: false,
    ...m,
  };
}

export const catalog: readonly CatalogModel[] = [
  model({ baseId: 'anthropic.claude-fable-5', anthropicName: 'claude-fable-5', displayName: 'Claude Fable 5', profilePrefixes: allPrefixes, systemMessagesInConversation: true }),
  model({ baseId: 'anthropic.claude-opus-5', anthropicName: 'claude-opus-5', displayName: 'Claude Opus 5', profilePrefixes: allPrefixes }),
  model({ baseId: 'anthropic.claude-sonnet-5', anthropicName: 'claude-sonnet-5', displayName: 'Claude Sonnet 5', profilePrefixes: allPrefixes }),
  model({ baseId: 'anthropic.claude-opus-4-8', anthropicName: 'claude-opus-4-8', displayName: 'Claude Opus 4.8', profilePrefixes: allPrefixes, systemMessagesInConversation: true }),
  model({ baseId: 'anthropic.claude-opus-4-7', anthropicName: 'claude-opus-4-7', displayName: 'Claude Opus 4.7', profilePrefixes: allPrefixes }),
  model({
    baseId: 'anthropic.claude-opus-4-6-v1', anthropicName: 'claude-opus-4-6', displayName: 'Claude Opus 4.6', profilePrefixes: allPrefixes,
    thinkingModes: ['enabled', 'adaptive'], thinkingDisplayDefault: 'summarized', countTokens: true,
  }),
  model({
    baseId: 'anthropic.claude-sonnet-4-6', anthropicName: 'claude-sonnet-4-6', displayName: 'Claude Sonnet 4.6', profilePrefixes: ['global', 'us', 'eu', 'jp'],
    thinkingModes: ['enabled', 'adaptive'], thinkingDisplayDefault: 'summarized', countTokens: true,
  }),
  model({
    baseId: 'anthropic.claude-sonnet-4-5-20250929-v1:0', anthropicName: 'claude-sonnet-4-5-20250929', displayName: 'Claude Sonnet 4.5', profilePrefixes: ['global', 'us', 'eu', 'jp'],
    contextWindow: twoHundredK, longContextBeta: true, thinkingModes: ['enabled'], thinkingDisplayDefault: 'summarized', countTokens: true,
  }),
  model({
    baseId: 'anthropic.claude-opus-4-5-20251101-v1:0', anthropicName: 'claude-opus-4-5-20251101', displayName: 'Claude Opus 4.5', profilePrefixes: ['global', 'us', 'eu'],
    contextWindow: twoHundredK, thinkingModes: ['enabled'], thinkingDisplayDefault: 'summarized', countTokens: true,
  }),
  model({
    baseId: 'anthropic.claude-haiku-4-5-20251001-v1:0', anthropicName: 'claude-haiku-4-5-20251001', displayName: 'Claude Haiku 4.5', profilePrefixes: ['global', 'us', 'eu'],
    contextWindow: twoHundredK, thinkingModes: ['enabled'], thinkingDisplayDefault: 'summarized', countTokens: true,
  }),
  model({
    baseId: 'anthropic.claude-opus-4-1-20250805-v1:0', anthropicName: 'claude-opus-4-1-20250805', displayName: 'Claude Opus 4.1', profilePrefixes: ['us'],
    requiresProfile: false, contextWindow: twoHundredK, thinkingModes: ['enabled'], thinkingDisplayDefault: 'summarized',
  }),
  model({
    baseId: 'anthropic.claude-sonnet-4-20250514-v1:0', anthropicName: 'claude-sonnet-4-20250514', displayName: 'Claude Sonnet 4', profilePrefixes: ['global', 'us', 'eu', 'apac'],
    requiresProfile: false, contextWindow: twoHundredK, longContextBeta: true, thinkingModes: ['enabled'], thinkingDisplayDefault: 'summarized', countTokens: true,
  }),
  model({
    baseId: 'anthropic.claude-3-5-haiku-20241022-v1:0', anthropicName: 'claude-3-5-haiku-20241022', displayName: 'Claude Haiku 3.5', profilePrefixes: ['us'],
    requiresProfile: false, contextWindow: twoHundredK, thinkingModes: [], thinkingDisplayDefault: 'summarized',
  }),
  model({
    baseId: 'anthropic.claude-3-7-sonnet-20250219-v1:0', anthropicName: 'claude-3-7-sonnet-20250219', displayName: 'Claude Sonnet 3.7', profilePrefixes: ['us', 'eu', 'apac'],
    requiresProfile: false, contextWindow: twoHundredK, thinkingModes: ['enabled'], retired: true,
  }),
  model({
    baseId: 'anthropic.claude-opus-4-20250514-v1:0', anthropicName: 'claude-opus-4-20250514', displayName: 'Claude Opus 4', profilePrefixes: ['us'],
    requiresProfile: false, contextWindow: twoHundredK, thinkingModes: ['enabled'], retired: true,
  }),
];

/** Application inference profiles wrap a model the emulator cannot look up; it assumes this one. */
const applicationProfileModel = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

export const emulatedAccountId = '123456789012';

/** Which cross-region profiles a region can call (a `eu.` profile does not exist in us-east-1). */
export function profilePrefixesInRegion(region: string): ProfilePrefix[] {
  if (region.startsWith('us-gov-')) return [];
  if (region.startsWith('us-') || region.startsWith('ca-')) return ['us', 'global'];
  if (region.startsWith('eu-')) return ['eu', 'global'];
  if (region === 'ap-northeast-1' || region === 'ap-northeast-3') return ['jp', 'apac', 'global'];
  if (region.startsWith('ap-')) return ['apac', 'global'];
  return ['global'];
}

export interface ResolvedModel {
  model: CatalogModel;
  /** How the caller named it: a base id (or foundation-model ARN), or an inference profile. */
  via: 'base' | 'profile' | 'application-profile';
}

const invalidIdentifier = 'The provided model identifier is invalid.';

/** Look up a modelId as Bedrock InvokeModel does, or throw the ValidationException it would answer. */
export function resolveModelId(modelId: string, region: string): ResolvedModel {
  const arn = /^arn:aws(?:-[a-z]+)?:bedrock:([a-z0-9-]+):(\d{12})?:(foundation-model|inference-profile|application-inference-profile)\/(.+)$/.exec(modelId);
  if (arn) {
    const [, arnRegion, account, kind, resource] = arn;
    if (arnRegion !== region) throw new BedrockError('ValidationException', invalidIdentifier);
    if (kind === 'application-inference-profile') {
      if (!account) throw new BedrockError('ValidationException', invalidIdentifier);
      return { model: findBase(applicationProfileModel)!, via: 'application-profile' };
    }
    if (kind === 'foundation-model' ? account : !account) throw new BedrockError('ValidationException', invalidIdentifier);
    const inner = resolveModelId(resource!, region);
    if (inner.via !== (kind === 'foundation-model' ? 'base' : 'profile')) throw new BedrockError('ValidationException', invalidIdentifier);
    return inner;
  }
  const base = findBase(modelId);
  if (base) return { model: base, via: 'base' };
  const dot = modelId.indexOf('.');
  const prefix = modelId.slice(0, dot) as ProfilePrefix;
  const profiled = dot > 0 ? findBase(modelId.slice(dot + 1)) : undefined;
  if (profiled?.profilePrefixes.includes(prefix) && profilePrefixesInRegion(region).includes(prefix)) {
    return { model: profiled, via: 'profile' };
  }
  throw new BedrockError('ValidationException', invalidIdentifier);
}

/** resolveModelId plus the refusals that depend on how the model is reached (InvokeModel and its stream). */
export function resolveInvocableModel(modelId: string, region: string): ResolvedModel {
  const resolved = resolveModelId(modelId, region);
  if (resolved.model.retired) {
    throw new BedrockError('ResourceNotFoundException', 'This model version has reached the end of its life. Please refer to the AWS documentation for more details.');
  }
  if (resolved.via === 'base' && resolved.model.requiresProfile) {
    throw new BedrockError(
      'ValidationException',
      `Invocation of model ID ${resolved.model.baseId} with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
    );
  }
  return resolved;
}

/** CountTokens takes foundation model ids only, and only of some models (protocols.md 2.8). */
export function resolveCountableModel(modelId: string, region: string): CatalogModel {
  const resolved = resolveModelId(modelId, region);
  if (resolved.via !== 'base' || !resolved.model.countTokens || resolved.model.retired) {
    throw new BedrockError('ValidationException', "The provided model doesn't support counting tokens.");
  }
  return resolved.model;
}

function findBase(baseId: string): CatalogModel | undefined {
  return catalog.find((m) => m.baseId === baseId);
}
