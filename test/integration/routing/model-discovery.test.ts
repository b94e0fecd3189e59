import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { emulatorCredentials, startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { modelCatalog } from '../../../src/gateway/models/catalog.js';
import { createTestDb, type TestDatabase } from '../../helpers/db.js';
import { adminToken, eventually, http, startGateway, type TestGateway } from '../../helpers/gateway.js';

/**
 * Two emulators as two AWS accounts whose inference profiles differ, two teams routed one to
 * each: /v1/models lists what the caller's endpoints serve, as the official SDK sees it.
 */
let t: TestDatabase;
let gw: TestGateway;
let admin: string;
let upstream: Emulator;
let east: Emulator;
let west: Emulator;
/** A URL nothing listens on: discovery there fails with a refused connection. */
let refusing: string;
const keys: Record<string, string> = {};

const eastModels = ['claude-haiku-4-5-20251001', 'claude-sonnet-4-5-20250929'];
const westModels = ['claude-opus-4-8', 'claude-sonnet-4-6'];
const listings = (e: Emulator) => e.requests.filter((r) => r.operation === 'ListInferenceProfiles').length;

before(async () => {
  process.env.AWS_ACCESS_KEY_ID = emulatorCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = emulatorCredentials.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  upstream = await startEmulator({ region: 'us-east-1' });
  east = await startEmulator({ region: 'us-east-1', profiles: ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us.anthropic.claude-haiku-4-5-20251001-v1:0'] });
  // eu. profiles are not among a us-east-1 endpoint's prefixes: not counted even when listed.
  west = await startEmulator({ region: 'us-west-2', profiles: ['us.anthropic.claude-opus-4-8', 'us.anthropic.claude-sonnet-4-6', 'global.anthropic.claude-haiku-4-5-20251001-v1:0'] });
  const gone = await startEmulator();
  refusing = gone.url;
  await gone.close();
  t = await createTestDb('pglite');
  gw = await startGateway(t.db, { region: 'us-east-1', bedrockEndpoint: upstream.url });
  admin = await adminToken(gw.url);
  const endpoints = [
    { name: 'east', region: 'us-east-1', endpoint_url: east.url },
    // Its own prefix: the global haiku profile is there, but this endpoint calls us. ones only.
    { name: 'west', region: 'us-west-2', endpoint_url: west.url, profile_prefix: 'us' },
    { name: 'down', region: 'us-east-1', endpoint_url: refusing },
  ];
  for (const [i, body] of endpoints.entries()) {
    const res = await http(`${gw.url}/admin/v1/endpoints`, { method: 'POST', token: admin, body: { ...body, priority: i + 1 } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const teams: Record<string, string[]> = { red: ['east'], blue: ['west'], both: ['east', 'west'], dark: ['down'] };
  let darkId = '';
  for (const [team, routed] of Object.entries(teams)) {
    const created = await http(`${gw.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: team } });
    assert.equal(created.status, 201);
    if (team === 'dark') darkId = created.body.id;
    const routing = await http(`${gw.url}/admin/v1/teams/${team}/routing`, { method: 'PUT', token: admin, body: { strategy: 'round-robin', endpoints: routed } });
    assert.equal(routing.status, 200, JSON.stringify(routing.body));
    await http(`${gw.url}/admin/v1/users`, { method: 'POST', token: admin, body: { email: `dev@${team}.io`, team } });
    keys[team] = (await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: team, user: `dev@${team}.io` } })).body.key;
  }
  // The router reloads on the change notification: wait until team routing is in effect.
  const router = gw.gateway.inference.router;
  assert.ok(await eventually(async () => router.candidates({ teamId: darkId, userId: null }).endpoints[0]?.name === 'down', 5000));
});
after(async () => {
  await gw?.close();
  await t?.drop();
  for (const e of [upstream, east, west]) await e?.close();
});

async function listed(team: string): Promise<string[]> {
  const sdk = new Anthropic({ baseURL: gw.url, apiKey: keys[team]!, maxRetries: 0 });
  const ids: string[] = [];
  for await (const m of sdk.models.list({ limit: 3 })) ids.push(m.id);
  return ids.sort();
}

describe('model discovery per endpoint', () => {
  test("each team's key lists the models its endpoints serve; several endpoints: their union", async () => {
    assert.deepEqual(await listed('red'), eastModels);
    assert.deepEqual(await listed('blue'), westModels, 'the global. haiku profile is not one of the endpoint\'s prefixes');
    assert.deepEqual(await listed('both'), [...eastModels, ...westModels].sort());
    const red = new Anthropic({ baseURL: gw.url, apiKey: keys.red!, maxRetries: 0 });
    assert.equal((await red.models.retrieve('claude-sonnet-4-5')).id, 'claude-sonnet-4-5-20250929');
    await assert.rejects(red.models.retrieve('claude-opus-4-8'), Anthropic.NotFoundError);
    const blue = new Anthropic({ baseURL: gw.url, apiKey: keys.blue!, maxRetries: 0 });
    assert.equal((await blue.models.retrieve('claude-opus-4-8')).display_name, 'Claude Opus 4.8');
  });

  test('discovery is cached per endpoint: more listings make no ListInferenceProfiles call', async () => {
    await listed('both');
    const before = [listings(east), listings(west)];
    assert.deepEqual(before.map((n) => n > 0), [true, true]);
    for (const team of ['red', 'blue', 'both', 'red']) await listed(team);
    assert.equal((await http(`${gw.url}/v1/models/claude-opus-4-8`, { apiKey: keys.blue! })).status, 200);
    assert.deepEqual([listings(east), listings(west)], before);
  });

  test('key model lists and policies still apply on top', async () => {
    const limited = await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'haiku-only', user: 'dev@both.io', models: ['claude-haiku-4-5'] } });
    const res = await http(`${gw.url}/v1/models?limit=100`, { apiKey: limited.body.key });
    assert.deepEqual(res.body.data.map((m: any) => m.id), ['claude-haiku-4-5-20251001']);
    assert.equal(res.body.has_more, false);
  });

  test('discovery failing (nothing listening) lists the catalog, not an empty list', async () => {
    const started = Date.now();
    const ids = await listed('dark');
    assert.deepEqual(ids, modelCatalog.map((m) => m.id).sort());
    assert.ok(Date.now() - started < 5000, 'answered within the discovery wait');
    // Remembered as failed: the next listing does not wait for it again.
    const again = Date.now();
    assert.equal((await http(`${gw.url}/v1/models`, { apiKey: keys.dark! })).status, 200);
    assert.ok(Date.now() - again < 1000);
  });

  test('requests are routed as before: discovery does not touch round-robin or /v1/messages', async () => {
    const before = east.requests.filter((r) => r.operation === 'InvokeModel').length;
    const sdk = new Anthropic({ baseURL: gw.url, apiKey: keys.red!, maxRetries: 0 });
    const message = await sdk.messages.create({ model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(message.type, 'message');
    assert.equal(east.requests.filter((r) => r.operation === 'InvokeModel').length, before + 1);
  });
});
