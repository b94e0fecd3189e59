import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  GetInferenceProfileCommand,
  ListInferenceProfilesCommand,
  paginateListInferenceProfiles,
  ResourceNotFoundException,
  ValidationException,
  type InferenceProfileSummary,
} from '@aws-sdk/client-bedrock';
import { startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { controlPlaneClient, rejection } from './sdk.js';

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

test('ListInferenceProfiles pages through the system-defined profiles of the region', async () => {
  const client = controlPlaneClient(emulator);
  const profiles: InferenceProfileSummary[] = [];
  let pages = 0;
  for await (const page of paginateListInferenceProfiles({ client, pageSize: 5 }, { typeEquals: 'SYSTEM_DEFINED' })) {
    pages++;
    assert.ok(page.inferenceProfileSummaries!.length <= 5);
    profiles.push(...page.inferenceProfileSummaries!);
  }
  assert.ok(pages > 1);
  const ids = profiles.map((p) => p.inferenceProfileId);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.includes('us.anthropic.claude-sonnet-4-5-20250929-v1:0'));
  assert.ok(ids.includes('global.anthropic.claude-opus-4-8'));
  assert.ok(ids.every((id) => id!.startsWith('us.') || id!.startsWith('global.')), 'only profiles callable from us-east-1');
  assert.ok(!ids.some((id) => id!.includes('claude-3-7-sonnet')), 'no retired models');

  const sonnet = profiles.find((p) => p.inferenceProfileId === 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')!;
  assert.equal(sonnet.inferenceProfileArn, 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0');
  assert.equal(sonnet.status, 'ACTIVE');
  assert.equal(sonnet.type, 'SYSTEM_DEFINED');
  assert.equal(sonnet.inferenceProfileName, 'US Anthropic Claude Sonnet 4.5');
  assert.ok(sonnet.createdAt instanceof Date);
  assert.deepEqual(
    sonnet.models!.map((m) => m.modelArn),
    ['us-east-1', 'us-east-2', 'us-west-2'].map((r) => `arn:aws:bedrock:${r}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0`),
  );
  assert.deepEqual(
    emulator.requests.filter((r) => r.operation === 'ListInferenceProfiles').map((r) => r.outcome),
    Array(pages).fill({ ok: true }),
  );
});

test('application profiles list empty; bad parameters are refused', async () => {
  const client = controlPlaneClient(emulator);
  const app = await client.send(new ListInferenceProfilesCommand({ typeEquals: 'APPLICATION' }));
  assert.deepEqual(app.inferenceProfileSummaries, []);
  const tooMany = await rejection(client.send(new ListInferenceProfilesCommand({ maxResults: 5000 })));
  assert.ok(tooMany instanceof ValidationException);
});

test('GetInferenceProfile finds a profile by id or ARN, and answers ResourceNotFoundException otherwise', async () => {
  const client = controlPlaneClient(emulator);
  const byId = await client.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'global.anthropic.claude-sonnet-4-6' }));
  assert.equal(byId.inferenceProfileName, 'Global Anthropic Claude Sonnet 4.6');
  const byArn = await client.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: byId.inferenceProfileArn }));
  assert.equal(byArn.inferenceProfileId, 'global.anthropic.claude-sonnet-4-6');
  assert.equal(emulator.requests.at(-1)!.modelId, byId.inferenceProfileArn);

  const missing = await rejection(client.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'eu.anthropic.claude-sonnet-4-6' })));
  assert.ok(missing instanceof ResourceNotFoundException);
  assert.equal(missing.$metadata.httpStatusCode, 404);
});

test('an emulator in an EU region lists the EU and global profiles', async () => {
  const eu = await startEmulator({ region: 'eu-west-1' });
  try {
    const { inferenceProfileSummaries } = await controlPlaneClient(eu, 'eu-west-1').send(new ListInferenceProfilesCommand({}));
    const ids = inferenceProfileSummaries!.map((p) => p.inferenceProfileId!);
    assert.ok(ids.includes('eu.anthropic.claude-haiku-4-5-20251001-v1:0'));
    assert.ok(ids.every((id) => id.startsWith('eu.') || id.startsWith('global.')));
  } finally {
    await eu.close();
  }
});

test('the profiles option limits what is listed and found (an account with access to some models)', async () => {
  const limited = await startEmulator({ profiles: ['us.anthropic.claude-opus-4-8', 'eu.anthropic.claude-opus-4-8'] });
  try {
    const client = controlPlaneClient(limited);
    const { inferenceProfileSummaries } = await client.send(new ListInferenceProfilesCommand({ typeEquals: 'SYSTEM_DEFINED' }));
    assert.deepEqual(inferenceProfileSummaries!.map((p) => p.inferenceProfileId), ['us.anthropic.claude-opus-4-8'], 'still only those of the region');
    const other = await rejection(client.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: 'global.anthropic.claude-opus-4-8' })));
    assert.ok(other instanceof ResourceNotFoundException);
  } finally {
    await limited.close();
  }
});
