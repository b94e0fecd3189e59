import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { request } from 'undici';
import { emulatorCredentials, startEmulator, type Emulator, type Script } from '../../src/emulator/index.js';
import { createPostgresDatabase, dbKinds } from '../helpers/db.js';
import { eventually, http } from '../helpers/gateway.js';
import { serveRefusal, startServe, type ServeProcess } from '../helpers/serve.js';

const password = 'an-admin-password-for-tests';

// Every call costs exactly what the gateway reserves for it (as in test/integration/limits/budgets.test.ts):
// Claude Opus 4.1 at $15/$75 per MTok, input = ceil(body bytes / 3) tokens, output = max_tokens.
const maxTokens = 200;
const body = JSON.stringify({ model: 'claude-opus-4-1', max_tokens: maxTokens, stream: true, messages: [{ role: 'user', content: 'x'.repeat(2900) }] });
const inputTokens = Math.ceil(Buffer.byteLength(body) / 3);
const callCostMicros = inputTokens * 15 + maxTokens * 75;
const script: Script = {
  kind: 'message',
  blocks: [{ type: 'text', text: 'one two three', chunks: ['one', ' two', ' three'] }],
  usage: { input_tokens: inputTokens, output_tokens: maxTokens },
  chunkDelayMs: 40,
};

interface Call {
  status: number;
  worker: string;
  errorType?: string;
}

/** One streaming call on a new connection, so the primary hands each call to the next worker. */
async function call(url: string, key: string): Promise<Call> {
  const res = await request(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body, reset: true });
  const text = await res.body.text();
  const worker = String(res.headers['ccag-worker']);
  if (res.statusCode === 200) {
    assert.match(text, /event: message_stop/);
    return { status: 200, worker };
  }
  return { status: res.statusCode, worker, errorType: JSON.parse(text).error?.type };
}

/** The pid the primary last reported for each worker slot. */
function workerPids(output: string): Map<number, number> {
  const pids = new Map<number, number>();
  for (const m of output.matchAll(/"worker":(\d+),"pid":(\d+),"msg":"worker listening"/g)) pids.set(Number(m[1]), Number(m[2]));
  return pids;
}

test('--workers 2 on the embedded database is refused with one line naming the setting and the fix', async () => {
  const refused = await serveRefusal(['--workers', '2'], { CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-workers-')) });
  assert.equal(refused.code, 2);
  assert.equal(refused.output.trim().split('\n').length, 1, refused.output);
  assert.match(refused.output, /^error: invalid configuration: --workers \/ CCAG_WORKERS: 2 workers need Postgres: set DATABASE_URL/);
});

describe('ccag serve --workers 2 on Postgres', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, () => {
  let database: { url: string; drop(): Promise<void> };
  let emulator: Emulator;
  let gw: ServeProcess;
  let admin: string;
  let budgetKey: string;
  const budgetMicros = 10 * callCostMicros + callCostMicros / 2;
  const completedCalls = () => emulator.requests.filter((r) => r.operation === 'InvokeModelWithResponseStream' && r.outcome.ok).length;
  const createKey = async (extra: Record<string, unknown> = {}) =>
    (await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: `k-${Math.random()}`, ...extra } })).body as { id: string; key: string };

  before(async () => {
    database = await createPostgresDatabase();
    emulator = await startEmulator({ script: () => script });
    gw = await startServe(['--workers', '2', '--bedrock-endpoint', emulator.url, '--region', 'us-east-1'], {
      DATABASE_URL: database.url,
      CCAG_SECRET_KEY: 'e2e-secret-key-e2e-secret-key-0123456789',
      CCAG_ADMIN_PASSWORD: password,
      CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-workers-')),
      AWS_ACCESS_KEY_ID: emulatorCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulatorCredentials.secretAccessKey,
    });
    // The primary's summary comes once both workers listen.
    assert.ok(await eventually(async () => /"role":"primary".*"workers":2.*"msg":"ready"/.test(gw.output()), 60_000), gw.output());
    admin = (await http(`${gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'admin', password } })).body.token;
    // Created early: the worker that does not create it learns of it through NOTIFY while the first tests run.
    budgetKey = (await createKey({ budget_usd: budgetMicros / 1e6 })).key;
  });
  after(async () => {
    if (gw.child.exitCode === null) await gw.stop('SIGKILL');
    await emulator.close();
    await database.drop();
  });

  test('the primary prepares the database once and prints the summary once', () => {
    const output = gw.output();
    assert.equal(output.match(/database migrated/g)?.length, 1);
    assert.equal(output.match(/"msg":"ready"/g)?.length, 1);
    assert.match(output, /set REDIS_URL to share them/);
  });

  test('both workers serve requests, and /metrics counts them all whichever worker answers it', async () => {
    const { key } = await createKey();
    const calls = await Promise.all(Array.from({ length: 8 }, () => call(gw.url, key)));
    assert.ok(calls.every((c) => c.status === 200));
    assert.deepEqual(new Set(calls.map((c) => c.worker)), new Set(['1', '2']));

    for (let i = 0; i < 2; i++) {
      const metrics = await request(`${gw.url}/metrics`, { reset: true });
      const text = await metrics.body.text();
      const served = [...text.matchAll(/^ccag_requests_total\{route="messages",[^}]*status_class="2xx"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      assert.equal(served, 8, text);
    }
  });

  test('a key revoked through the API is refused by every worker within 5 s', async () => {
    const { id, key } = await createKey();
    // Both workers have the key in their caches.
    const warm = await Promise.all(Array.from({ length: 4 }, () => call(gw.url, key)));
    assert.deepEqual(new Set(warm.map((c) => c.worker)), new Set(['1', '2']));

    assert.equal((await http(`${gw.url}/admin/v1/keys/${id}/revoke`, { method: 'POST', token: admin })).status, 200);
    const refusedBy = new Set<string>();
    const allRefused = await eventually(async () => {
      const calls = await Promise.all(Array.from({ length: 4 }, () => call(gw.url, key)));
      for (const c of calls) if (c.status === 401) refusedBy.add(c.worker);
      return calls.every((c) => c.status === 401) && refusedBy.size === 2;
    }, 5_000);
    assert.ok(allRefused, `refused by workers ${[...refusedBy]}`);
  });

  test('a key budget holds across both workers', async () => {
    const key = budgetKey;
    const before = completedCalls();
    const outcomes: Call[] = [];
    const client = async () => {
      for (;;) {
        const c = await call(gw.url, key);
        outcomes.push(c);
        if (c.status !== 200) return;
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    const calls = completedCalls() - before;
    assert.ok(calls * callCostMicros <= budgetMicros, `${calls} calls went through, over the budget of 10`);
    assert.ok(calls >= 8, `only ${calls} calls were let through`);
    const refused = outcomes.filter((o) => o.status !== 200);
    assert.ok(refused.every((o) => o.status === 429 && o.errorType === 'billing_error'), JSON.stringify(refused));
    assert.deepEqual(new Set(outcomes.filter((o) => o.status === 200).map((o) => o.worker)), new Set(['1', '2']));
  });

  test('SIGHUP replaces the workers one at a time and no request of a running client fails', async () => {
    const { key } = await createKey();
    const oldPids = workerPids(gw.output());
    const rolled = () => gw.output().includes('rolling restart done');
    const outcomes: Call[] = [];
    const errors: string[] = [];
    const client = async () => {
      while (!rolled()) {
        try {
          outcomes.push(await call(gw.url, key));
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    };
    const clients = Array.from({ length: 4 }, client);
    assert.ok(await eventually(async () => outcomes.length >= 4, 30_000));
    gw.child.kill('SIGHUP');
    await Promise.all(clients);
    assert.deepEqual(errors, []);
    assert.deepEqual(outcomes.filter((o) => o.status !== 200), []);
    const newPids = workerPids(gw.output());
    for (const slot of [1, 2]) assert.notEqual(newPids.get(slot), oldPids.get(slot), `worker ${slot} was not replaced`);
  });

  test('a killed worker is replaced', async () => {
    const killed = workerPids(gw.output()).get(1)!;
    process.kill(killed, 'SIGKILL');
    assert.ok(await eventually(async () => ![undefined, killed].includes(workerPids(gw.output()).get(1)), 60_000), gw.output());
    const { key } = await createKey();
    const calls = await Promise.all(Array.from({ length: 6 }, () => call(gw.url, key)));
    assert.ok(calls.every((c) => c.status === 200));
    assert.deepEqual(new Set(calls.map((c) => c.worker)), new Set(['1', '2']));
  });

  test('SIGTERM under load: the primary exits 0 and every call Bedrock completed has its spend record', async () => {
    const { id, key } = await createKey();
    const before = completedCalls();
    let stop = false;
    const clients = Array.from({ length: 12 }, async () => {
      while (!stop) {
        try {
          await call(gw.url, key);
        } catch {
          return; // the gateway is gone
        }
      }
    });
    assert.ok(await eventually(async () => completedCalls() - before > 10, 30_000));
    const code = await gw.stop('SIGTERM');
    stop = true;
    await Promise.all(clients);
    assert.equal(code, 0, gw.output());

    const completed = completedCalls() - before;
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM requests WHERE key_id = $1 AND status = 200 AND cost_micros > 0`, [id]);
    await db.end();
    assert.equal(rows[0].n, completed, 'a priced spend record for every call Bedrock served');
  });
});
