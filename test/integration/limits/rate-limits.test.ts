import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { emulatorCredentials, startEmulator, type Emulator, type Script } from '../../../src/emulator/index.js';
import { PostgresDb } from '../../../src/db/postgres.js';
import { createPostgresDatabase, dbKinds } from '../../helpers/db.js';
import { adminToken, eventually, http, startGateway, type TestGateway } from '../../helpers/gateway.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('rate limits across two replicas sharing Redis', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, () => {
  let database: { url: string; drop(): Promise<void> };
  let emulator: Emulator;
  let dbs: PostgresDb[];
  let gateways: TestGateway[];
  let admin: string;
  const slow: Script = { kind: 'message', blocks: [{ type: 'text', text: 'slow answer', chunks: ['slow', ' answer'] }], chunkDelayMs: 400 };

  before(async () => {
    process.env.AWS_ACCESS_KEY_ID = emulatorCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = emulatorCredentials.secretAccessKey;
    database = await createPostgresDatabase();
    emulator = await startEmulator({ script: (r) => (JSON.stringify(r.body).includes('slowly') ? slow : undefined) });
    dbs = [new PostgresDb(database.url), new PostgresDb(database.url)];
    gateways = [];
    for (const db of dbs) gateways.push(await startGateway(db, { region: 'us-east-1', bedrockEndpoint: emulator.url, redisUrl }));
    admin = await adminToken(gateways[0]!.url);
  });
  after(async () => {
    for (const g of gateways) await g.close();
    for (const db of dbs) await db.close();
    await emulator.close();
    await database.drop();
  });

  const burst = async (key: string, n: number, content: string) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        http(`${gateways[i % 2]!.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model: 'claude-haiku-4-5', max_tokens: 20, stream: true, messages: [{ role: 'user', content }] } }),
      ),
    );

  test('requests a minute hold within ±1 across replicas', async () => {
    const key = (await http(`${gateways[0]!.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'rpm', rpm: 10 } })).body;
    assert.deepEqual(key.limits, { rpm: 10, tpm: null, concurrency: null });
    const results = await burst(key.key, 30, 'hi');
    const ok = results.filter((r) => r.status === 200).length;
    assert.ok(Math.abs(ok - 10) <= 1, `${ok} requests passed a limit of 10 a minute`);
    const refused = results.filter((r) => r.status !== 200);
    for (const r of refused) {
      assert.equal(r.status, 429);
      assert.equal(r.body.error.type, 'rate_limit_error');
      assert.ok(Number(r.headers['retry-after']) >= 1);
    }
  });

  test('tokens a minute: counted when a request ends, on every replica', async () => {
    const key = (await http(`${gateways[0]!.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'tpm', tpm: 5 } })).body.key;
    const first = await http(`${gateways[0]!.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] } });
    assert.equal(first.status, 200);
    // Its tokens (well over 5) are recorded as it ends, and then count on the other replica too.
    let refused: any;
    const onOtherReplica = async () => {
      const res = await http(`${gateways[1]!.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] } });
      if (res.status === 429) refused = res;
      return res.status === 429;
    };
    assert.ok(await eventually(onOtherReplica, 2000, 20));
    assert.match(refused.body.error.message, /5 tokens a minute/);
  });

  test('requests at once hold within ±1 across replicas, and free up when they end', async () => {
    await http(`${gateways[0]!.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: 'narrow', concurrency: 3 } });
    const key = (await http(`${gateways[0]!.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'conc', team: 'narrow' } })).body.key;
    const results = await burst(key, 12, 'slowly please');
    const ok = results.filter((r) => r.status === 200).length;
    assert.ok(Math.abs(ok - 3) <= 1, `${ok} requests ran at once under a limit of 3`);
    assert.ok(results.filter((r) => r.status === 429).every((r) => /3 requests at once/.test(r.body.error.message)));
    // All finished: the slots are free again.
    const again = await burst(key, 2, 'hi');
    assert.deepEqual(again.map((r) => r.status), [200, 200]);
  });
});
