import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InferenceProfileSummary } from '@aws-sdk/client-bedrock';
import type { Db } from '../../../src/db/db.js';
import { ModelConfigStore } from '../../../src/gateway/models/mapping-store.js';
import { resolveModelAt } from '../../../src/gateway/models/resolve.js';
import { anthropicIdOf, servedModels } from '../../../src/routing/model-discovery.js';

const profile = (id: string, name: string, extra: Partial<InferenceProfileSummary> = {}): InferenceProfileSummary => ({
  inferenceProfileId: id,
  inferenceProfileName: name,
  inferenceProfileArn: `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${id}`,
  models: [],
  status: 'ACTIVE',
  type: 'SYSTEM_DEFINED',
  createdAt: new Date('2027-01-15T00:00:00Z'),
  ...extra,
});
const east = { profilePrefixes: ['us', 'global'] as const, modelArns: new Map<string, string>() };

test('Bedrock ids become Anthropic-style ids', () => {
  assert.equal(anthropicIdOf('anthropic.claude-sonnet-4-5-20250929-v1:0'), 'claude-sonnet-4-5-20250929');
  assert.equal(anthropicIdOf('anthropic.claude-opus-4-6-v1'), 'claude-opus-4-6');
  assert.equal(anthropicIdOf('anthropic.claude-opus-6'), 'claude-opus-6');
  assert.equal(anthropicIdOf('amazon.nova-pro-v1:0'), undefined);
});

test('profiles with the endpoint prefixes count; unknown Claude models are kept under derived ids', () => {
  const served = servedModels(
    [
      profile('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'US Anthropic Claude Sonnet 4.5'),
      profile('eu.anthropic.claude-opus-4-8', 'EU Anthropic Claude Opus 4.8'),
      profile('global.anthropic.claude-opus-6-v1:0', 'Global Anthropic Claude Opus 6'),
      profile('us.anthropic.claude-opus-6-v1:0', 'US Anthropic Claude Opus 6', { createdAt: new Date('2027-01-10T00:00:00Z') }),
      profile('us.anthropic.claude-haiku-4-5-20251001-v1:0', 'US Anthropic Claude Haiku 4.5', { status: 'INACTIVE' as never }),
      profile('us.meta.llama4-v1:0', 'US Meta Llama 4'),
      profile('my-app-profile', 'team profile', { type: 'APPLICATION', inferenceProfileArn: 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc' }),
    ],
    { ...east, modelArns: new Map([['claude-opus-4-5', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc']]) },
  );
  assert.deepEqual([...served.known].sort(), ['claude-opus-4-5-20251101', 'claude-sonnet-4-5-20250929']);
  assert.deepEqual(served.unknown, [
    { id: 'claude-opus-6', displayName: 'Claude Opus 6', createdAt: '2027-01-10T00:00:00.000Z', bedrockId: 'anthropic.claude-opus-6-v1:0', profiles: ['us', 'global'] },
  ]);
});

test('a discovered model resolves to the endpoint profile for /v1/messages (no waiting: the cached list only)', () => {
  const store = new ModelConfigStore({} as Db);
  assert.throws(() => resolveModelAt(east, 'claude-opus-6', store), /model: claude-opus-6/);
  store.useDiscovered((m) => (m === 'claude-opus-6' ? { bedrockId: 'anthropic.claude-opus-6-v1:0', profiles: ['global', 'us'] } : undefined));
  const resolved = resolveModelAt(east, 'claude-opus-6', store);
  assert.equal(resolved.bedrockModelId, 'us.anthropic.claude-opus-6-v1:0');
  assert.equal(resolved.requested, 'claude-opus-6');
  assert.equal(resolveModelAt({ profilePrefixes: ['eu', 'global'], modelArns: new Map() }, 'claude-opus-6', store).bedrockModelId, 'global.anthropic.claude-opus-6-v1:0');
});
