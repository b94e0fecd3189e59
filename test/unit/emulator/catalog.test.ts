import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalog, resolveCountableModel, resolveInvocableModel, resolveModelId } from '../../../src/emulator/catalog.js';
import { BedrockError } from '../../../src/emulator/exceptions.js';

const refused = (fn: () => unknown): BedrockError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof BedrockError) return err;
    throw err;
  }
  assert.fail('expected a refusal');
};

test('profile ids resolve where the profile exists, and only in regions that can call it', () => {
  assert.equal(resolveModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1').model.anthropicName, 'claude-sonnet-4-5-20250929');
  assert.equal(resolveModelId('global.anthropic.claude-opus-4-6-v1', 'us-east-1').via, 'profile');
  assert.equal(resolveModelId('jp.anthropic.claude-sonnet-4-6', 'ap-northeast-1').model.anthropicName, 'claude-sonnet-4-6');
  assert.equal(resolveModelId('eu.anthropic.claude-opus-4-5-20251101-v1:0', 'eu-west-1').model.contextWindow, 200_000);
  for (const [id, region] of [
    ['apac.anthropic.claude-sonnet-4-5-20250929-v1:0', 'ap-southeast-1'], // no APAC profile for Sonnet 4.5
    ['eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1'], // an EU profile from a US region
    ['us.anthropic.claude-sonnet-4-7', 'us-east-1'],
    ['claude-sonnet-4-5', 'us-east-1'],
    ['', 'us-east-1'],
  ]) {
    const err = refused(() => resolveModelId(id!, region!));
    assert.equal(err.exception, 'ValidationException', id);
    assert.equal(err.message, 'The provided model identifier is invalid.');
  }
});

test('ARNs: inference profiles and foundation models resolve; application profiles stand for Sonnet 4.5', () => {
  const profileArn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0';
  assert.equal(resolveModelId(profileArn, 'us-east-1').model.anthropicName, 'claude-haiku-4-5-20251001');
  const app = resolveModelId('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3y1d', 'us-east-1');
  assert.deepEqual([app.via, app.model.anthropicName], ['application-profile', 'claude-sonnet-4-5-20250929']);
  assert.equal(resolveModelId('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0', 'us-east-1').via, 'base');
  for (const arn of [
    'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0', // another region
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/anthropic.claude-haiku-4-5-20251001-v1:0', // a base id is not a profile
    'arn:aws:bedrock:us-east-1::foundation-model/us.anthropic.claude-haiku-4-5-20251001-v1:0',
  ]) {
    assert.equal(refused(() => resolveModelId(arn, 'us-east-1')).message, 'The provided model identifier is invalid.', arn);
  }
});

test('InvokeModel refuses base ids of profile-only models and retired models; older base ids run on demand', () => {
  const onDemand = refused(() => resolveInvocableModel('anthropic.claude-opus-4-5-20251101-v1:0', 'us-east-1'));
  assert.equal(onDemand.status, 400);
  assert.equal(
    onDemand.message,
    "Invocation of model ID anthropic.claude-opus-4-5-20251101-v1:0 with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
  );
  assert.equal(resolveInvocableModel('anthropic.claude-sonnet-4-20250514-v1:0', 'us-east-1').model.anthropicName, 'claude-sonnet-4-20250514');
  assert.equal(resolveInvocableModel('anthropic.claude-3-5-haiku-20241022-v1:0', 'us-east-1').via, 'base');
  const retired = refused(() => resolveInvocableModel('us.anthropic.claude-3-7-sonnet-20250219-v1:0', 'us-east-1'));
  assert.deepEqual([retired.exception, retired.status], ['ResourceNotFoundException', 404]);
});

test('CountTokens takes base ids of the 4.5 and 4.6 models and Sonnet 4, nothing else', () => {
  for (const id of [
    'anthropic.claude-sonnet-4-5-20250929-v1:0',
    'anthropic.claude-haiku-4-5-20251001-v1:0',
    'anthropic.claude-opus-4-5-20251101-v1:0',
    'anthropic.claude-opus-4-6-v1',
    'anthropic.claude-sonnet-4-6',
    'anthropic.claude-sonnet-4-20250514-v1:0',
  ]) {
    assert.equal(resolveCountableModel(id, 'us-east-1').baseId, id);
  }
  for (const id of ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-opus-4-7', 'anthropic.claude-fable-5', 'anthropic.claude-3-5-haiku-20241022-v1:0']) {
    assert.equal(refused(() => resolveCountableModel(id, 'us-east-1')).message, "The provided model doesn't support counting tokens.", id);
  }
});

test('the catalog records per model what Bedrock accepts', () => {
  const byName = Object.fromEntries(catalog.map((m) => [m.anthropicName, m]));
  assert.deepEqual(byName['claude-opus-4-6']!.thinkingModes, ['enabled', 'adaptive']);
  assert.deepEqual(byName['claude-sonnet-5']!.thinkingModes, ['adaptive']);
  assert.deepEqual(byName['claude-haiku-4-5-20251001']!.thinkingModes, ['enabled']);
  assert.deepEqual(
    catalog.filter((m) => m.systemMessagesInConversation).map((m) => m.anthropicName),
    ['claude-fable-5', 'claude-opus-4-8'],
  );
  assert.deepEqual(byName['claude-opus-4-1-20250805']!.profilePrefixes, ['us']);
  assert.equal(byName['claude-opus-5']!.contextWindow, 1_000_000);
  assert.ok(catalog.filter((m) => !m.retired && m.thinkingModes.includes('adaptive')).every((m) => m.requiresProfile));
});
