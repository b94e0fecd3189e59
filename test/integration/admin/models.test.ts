import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PostgresDb } from '../../../src/db/postgres.js';
import { createPostgresDatabase, dbKinds } from '../../helpers/db.js';
import { eventually, http, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

describe('model mappings and beta overrides', () => {
  const env = useInferenceRig('pglite');
  const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${env.rig.gw.url}/admin/v1${path}`, { token: env.rig.admin, ...init });
  const ask = (model: string, headers: Record<string, string> = {}) =>
    http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: env.rig.key, headers, body: { model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] } });

  test('an unknown model id gets served once an admin maps it, and is listed', async () => {
    assert.equal((await ask('claude-opus-5-5')).status, 404);
    const mapped = await api('/models/claude-opus-5-5', { method: 'PUT', body: { bedrock_model: 'anthropic.claude-opus-4-8', display_name: 'Opus 5.5 (via 4.8)' } });
    assert.equal(mapped.status, 200);
    assert.equal(mapped.body.bedrock_model, 'us.anthropic.claude-opus-4-8');
    assert.equal(mapped.body.source, 'admin');
    const res = await ask('claude-opus-5-5');
    assert.equal(res.status, 200);
    assert.equal(res.body.model, 'claude-opus-5-5');
    assert.equal(env.rig.emulator.requests.at(-1)!.modelId, 'us.anthropic.claude-opus-4-8');
    const listed = await http(`${env.rig.gw.url}/v1/models?limit=1000`, { apiKey: env.rig.key });
    assert.ok(listed.body.data.some((m: any) => m.id === 'claude-opus-5-5' && m.display_name === 'Opus 5.5 (via 4.8)'));
    const all = await api('/models');
    assert.ok(all.body.data.some((m: any) => m.model === 'claude-sonnet-4-5-20250929' && m.source === 'catalog'));
    assert.equal((await api('/models/claude-opus-5-5', { method: 'DELETE' })).status, 204);
    assert.equal((await ask('claude-opus-5-5')).status, 404);
    const builtin = await api('/models/claude-sonnet-4-5', { method: 'DELETE' });
    assert.equal(builtin.status, 404);
    assert.match(builtin.body.error.message, /built-in model/);
    const bad = await api('/models/x', { method: 'PUT', body: { bedrock_model: 'not valid!' } });
    assert.equal(bad.status, 400);
  });

  test('beta overrides decide what reaches Bedrock', async () => {
    await ask('claude-sonnet-4-5', { 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
    assert.deepEqual(env.rig.emulator.requests.at(-1)!.body.anthropic_beta, ['interleaved-thinking-2025-05-14']);
    const deny = await api('/model-betas', { method: 'PUT', body: { model: 'claude-sonnet-4-5-20250929', beta: 'interleaved-thinking-2025-05-14', allowed: false } });
    assert.equal(deny.status, 200);
    await ask('claude-sonnet-4-5', { 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
    assert.equal(env.rig.emulator.requests.at(-1)!.body.anthropic_beta, undefined);
    assert.deepEqual((await api('/model-betas')).body.data, [{ model: 'claude-sonnet-4-5-20250929', beta: 'interleaved-thinking-2025-05-14', allowed: false }]);
    assert.equal((await api('/model-betas/claude-sonnet-4-5-20250929/interleaved-thinking-2025-05-14', { method: 'DELETE' })).status, 204);
    await ask('claude-sonnet-4-5', { 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
    assert.deepEqual(env.rig.emulator.requests.at(-1)!.body.anthropic_beta, ['interleaved-thinking-2025-05-14']);
    const audit = await api('/audit?action=model.beta');
    assert.equal(audit.body.data.length, 1);
  });
});

if (dbKinds.includes('postgres')) {
  test('a mapping made on one replica applies on another within 5 s', async () => {
    const database = await createPostgresDatabase();
    const dbA = new PostgresDb(database.url);
    const dbB = new PostgresDb(database.url);
    let a: TestGateway | undefined;
    let b: TestGateway | undefined;
    try {
      a = await startGateway(dbA, { region: 'us-east-1' });
      b = await startGateway(dbB, { region: 'us-east-1' });
      const login = await http(`${a.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'admin', password: 'correct-horse-battery-staple' } });
      await http(`${a.url}/admin/v1/models/team-fast`, { method: 'PUT', token: login.body.token, body: { bedrock_model: 'anthropic.claude-haiku-4-5-20251001-v1:0' } });
      const seen = () => http(`${b!.url}/admin/v1/models`, { token: login.body.token }).then((r) => r.body.data.some((m: any) => m.model === 'team-fast'));
      assert.ok(await eventually(seen, 5000));
    } finally {
      await a?.close();
      await b?.close();
      await dbA.close();
      await dbB.close();
      await database.drop();
    }
  });
}
