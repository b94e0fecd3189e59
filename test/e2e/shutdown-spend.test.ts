import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { request } from 'undici';
import { emulatorCredentials, startEmulator, type Script } from '../../src/emulator/index.js';
import { createPostgresDatabase, dbKinds } from '../helpers/db.js';
import { http } from '../helpers/gateway.js';
import { startServe } from '../helpers/serve.js';

const password = 'an-admin-password-for-tests';

test('SIGTERM during load: every call Bedrock completed is in the spend records', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, async () => {
  const database = await createPostgresDatabase();
  const script: Script = { kind: 'message', blocks: [{ type: 'text', text: 'one two three four', chunks: ['one', ' two', ' three', ' four'] }], chunkDelayMs: 60 };
  const emulator = await startEmulator({ script: () => script });
  const gw = await startServe(['--bedrock-endpoint', emulator.url, '--region', 'us-east-1'], {
    DATABASE_URL: database.url,
    CCAG_SECRET_KEY: 'e2e-secret-key-e2e-secret-key-0123456789',
    CCAG_ADMIN_PASSWORD: password,
    CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-term-')),
    AWS_ACCESS_KEY_ID: emulatorCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulatorCredentials.secretAccessKey,
  });
  try {
    const login = await http(`${gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'admin', password } });
    const key = (await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: login.body.token, body: { name: 'load' } })).body.key;
    let stop = false;
    const clients = Array.from({ length: 12 }, async () => {
      while (!stop) {
        try {
          const res = await request(`${gw.url}/v1/messages`, {
            method: 'POST',
            headers: { 'x-api-key': key, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'go' }] }),
          });
          await res.body.text();
        } catch {
          return; // the gateway is gone
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    const code = await gw.stop('SIGTERM');
    stop = true;
    await Promise.all(clients);
    assert.equal(code, 0);

    const completed = emulator.requests.filter((r) => r.operation === 'InvokeModelWithResponseStream' && r.outcome.ok).length;
    assert.ok(completed > 10, `only ${completed} calls completed`);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE cost_micros > 0)::int AS priced FROM requests WHERE route = 'messages' AND status = 200`);
    await db.end();
    console.log(`SIGTERM: ${completed} calls served during load, ${rows[0].n} spend rows, ${completed - rows[0].n} lost`);
    assert.equal(rows[0].n, completed, 'a spend record for every call Bedrock served');
    assert.equal(rows[0].priced, completed);
  } finally {
    await emulator.close();
    await database.drop();
  }
});
