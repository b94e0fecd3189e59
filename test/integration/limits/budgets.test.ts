import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { emulatorCredentials, startEmulator, type Emulator, type Script } from '../../../src/emulator/index.js';
import { PostgresDb } from '../../../src/db/postgres.js';
import { createPostgresDatabase, dbKinds } from '../../helpers/db.js';
import { adminPassword, adminToken, http, startGateway, type TestGateway } from '../../helpers/gateway.js';

// Every call costs exactly what the gateway reserves for it: Claude Opus 4.1 (us. only, no
// regional uplift) at $15/$75 per MTok, input = ceil(body bytes / 3) tokens, output = max_tokens.
const maxTokens = 200;
const prompt = 'x'.repeat(2900);
const body = JSON.stringify({ model: 'claude-opus-4-1', max_tokens: maxTokens, stream: true, messages: [{ role: 'user', content: prompt }] });
const inputTokens = Math.ceil(Buffer.byteLength(body) / 3);
const callCostMicros = inputTokens * 15 + maxTokens * 75;

const script: Script = {
  kind: 'message',
  blocks: [{ type: 'text', text: 'done', chunks: ['do', 'ne'] }],
  usage: { input_tokens: inputTokens, output_tokens: maxTokens },
  chunkDelayMs: 30,
};

describe('a $1 team budget under 40 concurrent streaming clients on two replicas', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, () => {
  let database: { url: string; drop(): Promise<void> };
  let emulator: Emulator;
  let dbs: PostgresDb[];
  let gateways: TestGateway[];
  let key: string;

  before(async () => {
    process.env.AWS_ACCESS_KEY_ID = emulatorCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = emulatorCredentials.secretAccessKey;
    database = await createPostgresDatabase();
    emulator = await startEmulator({ script: () => script });
    dbs = [new PostgresDb(database.url), new PostgresDb(database.url)];
    gateways = [];
    for (const db of dbs) gateways.push(await startGateway(db, { region: 'us-east-1', bedrockEndpoint: emulator.url }));
    const admin = await adminToken(gateways[0]!.url);
    await http(`${gateways[0]!.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: 'build' } });
    key = (await http(`${gateways[0]!.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'ci', team: 'build' } })).body.key;
    const budget = await http(`${gateways[0]!.url}/admin/v1/budgets`, { method: 'PUT', token: admin, body: { scope: 'team', target: 'build', amount_usd: 1, period: 'monthly' } });
    assert.equal(budget.status, 200, JSON.stringify(budget.body));
    // Both replicas know the budget before traffic starts.
    await http(`${gateways[1]!.url}/admin/v1/budgets`, { token: admin });
  });
  after(async () => {
    for (const g of gateways) await g.close();
    for (const db of dbs) await db.close();
    await emulator.close();
    await database.drop();
  });

  test('no call starts past the limit, spend stays within it, and everything after the limit gets 429 billing_error', async () => {
    const outcomes: { startedAt: number; endedAt: number; status: number; type?: string; retry?: string }[] = [];
    const client = async (i: number) => {
      const url = gateways[i % 2]!.url;
      for (;;) {
        const startedAt = performance.now();
        const res = await request(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body });
        const text = await res.body.text();
        const endedAt = performance.now();
        if (res.statusCode === 200) {
          assert.match(text, /event: message_stop/);
          outcomes.push({ startedAt, endedAt, status: 200 });
          continue;
        }
        const error = JSON.parse(text).error;
        outcomes.push({ startedAt, endedAt, status: res.statusCode, type: error.type, retry: String(res.headers['x-should-retry']) });
        return;
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => client(i)));

    // Judged from the emulator's own log.
    const calls = emulator.requests.filter((r) => r.operation === 'InvokeModelWithResponseStream' && r.outcome.ok).length;
    assert.ok(calls * callCostMicros <= 1_000_000, `${calls} calls cost ${calls * callCostMicros} micro-dollars, over the $1 budget`);
    assert.ok(calls * callCostMicros > 1_000_000 - 3 * callCostMicros, `only ${calls} calls were let through; the budget was not used up`);

    const refused = outcomes.filter((o) => o.status !== 200);
    assert.equal(refused.length, 40, 'every client ended with a refusal');
    for (const r of refused) {
      assert.equal(r.status, 429);
      assert.equal(r.type, 'billing_error');
      assert.equal(r.retry, 'false');
    }
    // Nothing started after the first refusal was answered went through.
    const firstRefusal = Math.min(...refused.map((r) => r.endedAt));
    const lateSuccesses = outcomes.filter((o) => o.status === 200 && o.startedAt > firstRefusal);
    assert.equal(lateSuccesses.length, 0, `${lateSuccesses.length} requests started after the first refusal still went through`);

    // Spend rows equal completed calls, and the ledger agrees with them.
    for (const g of gateways) await g.gateway.inference.requestLog.flush();
    const { rows } = await dbs[0]!.query<{ n: number; cost: number }>(`SELECT count(*)::int AS n, sum(cost_micros)::bigint AS cost FROM requests WHERE status = 200`);
    assert.equal(rows[0]!.n, calls);
    assert.equal(Number(rows[0]!.cost), calls * callCostMicros);
    const usage = await dbs[0]!.query<{ spent_micros: number }>('SELECT spent_micros FROM budget_usage');
    assert.equal(Number(usage.rows[0]!.spent_micros), calls * callCostMicros);
    const events = await dbs[0]!.query<{ pct: number }>('SELECT pct FROM budget_events ORDER BY pct');
    assert.deepEqual(events.rows.map((e) => e.pct), [80]);
  });
});
