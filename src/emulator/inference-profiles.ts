/**
 * The control plane's ListInferenceProfiles and GetInferenceProfile (`@aws-sdk/client-bedrock`),
 * answering with the system-defined profiles of the catalog that exist in the emulator's region
 * (only those of `EmulatorOptions.profiles` when it is set).
 */
import { catalog, emulatedAccountId, profilePrefixesInRegion, type CatalogModel, type ProfilePrefix } from './catalog.js';
import { BedrockError } from './exceptions.js';
import type { EmulatorState, Exchange } from './exchange.js';

interface InferenceProfile {
  inferenceProfileName: string;
  description: string;
  createdAt: string;
  updatedAt: string;
  inferenceProfileArn: string;
  models: { modelArn: string }[];
  inferenceProfileId: string;
  status: 'ACTIVE';
  type: 'SYSTEM_DEFINED';
}

const prefixLabels: Record<ProfilePrefix, string> = { global: 'Global', us: 'US', eu: 'EU', jp: 'JP', apac: 'APAC' };

/** Where each profile routes to (the regions behind the prefix). */
const destinationRegions: Record<Exclude<ProfilePrefix, 'global'>, string[]> = {
  us: ['us-east-1', 'us-east-2', 'us-west-2'],
  eu: ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'],
  jp: ['ap-northeast-1', 'ap-northeast-3'],
  apac: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-4'],
};

const profileTypes = ['SYSTEM_DEFINED', 'APPLICATION'];
const defaultPageSize = 1000;

export function listInferenceProfiles(exchange: Exchange): void {
  const { query, reply, state } = exchange;
  const type = query.get('type');
  if (type !== null && !profileTypes.includes(type)) {
    throw new BedrockError(
      'ValidationException',
      `1 validation error detected: Value '${type}' at 'typeEquals' failed to satisfy constraint: Member must satisfy enum value set: [${profileTypes.join(', ')}]`,
    );
  }
  const pageSize = query.has('maxResults') ? Number(query.get('maxResults')) : defaultPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new BedrockError(
      'ValidationException',
      `1 validation error detected: Value '${query.get('maxResults')}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  }
  const start = query.has('nextToken') ? decodeToken(query.get('nextToken')!) : 0;
  // The emulator has no application profiles to list.
  const profiles = type === 'APPLICATION' ? [] : profilesListed(state);
  const page = profiles.slice(start, start + pageSize);
  const next = start + pageSize < profiles.length ? encodeToken(start + pageSize) : undefined;
  reply.json(200, { inferenceProfileSummaries: page, ...(next ? { nextToken: next } : {}) });
}

export function getInferenceProfile(exchange: Exchange): void {
  const { record, reply, state } = exchange;
  const id = record.modelId;
  const profile = profilesListed(state).find((p) => p.inferenceProfileId === id || p.inferenceProfileArn === id);
  if (!profile) throw new BedrockError('ResourceNotFoundException', `Inference profile ${id} not found.`);
  reply.json(200, profile);
}

function profilesListed(state: EmulatorState): InferenceProfile[] {
  const all = profilesInRegion(state.region);
  return state.profiles ? all.filter((p) => state.profiles!.has(p.inferenceProfileId)) : all;
}

function profilesInRegion(region: string): InferenceProfile[] {
  const prefixes = profilePrefixesInRegion(region);
  return catalog
    .filter((model) => !model.retired)
    .flatMap((model) => model.profilePrefixes.filter((prefix) => prefixes.includes(prefix)).map((prefix) => profile(model, prefix, region)));
}

function profile(model: CatalogModel, prefix: ProfilePrefix, region: string): InferenceProfile {
  const id = `${prefix}.${model.baseId}`;
  const regions = prefix === 'global' ? [region, ''] : destinationRegions[prefix];
  const where = prefix === 'global' ? 'commercial AWS Regions' : regions.join(', ');
  return {
    inferenceProfileName: `${prefixLabels[prefix]} Anthropic ${model.displayName}`,
    description: `Routes requests to Anthropic ${model.displayName} in ${where}.`,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    inferenceProfileArn: `arn:aws:bedrock:${region}:${emulatedAccountId}:inference-profile/${id}`,
    // A global profile lists the source region's model and the region-less one.
    models: regions.map((r) => ({ modelArn: `arn:aws:bedrock:${r}::foundation-model/${model.baseId}` })),
    inferenceProfileId: id,
    status: 'ACTIVE',
    type: 'SYSTEM_DEFINED',
  };
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function decodeToken(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
  if (!match) throw new BedrockError('ValidationException', 'The pagination token is invalid.');
  return Number(match[1]);
}
