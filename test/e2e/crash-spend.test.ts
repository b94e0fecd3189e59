import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { request } from 'undici';
import { emulatorCredentials, startEmulator, type Emulator, type Script } from '../../src/emulator/index.js';
import { createPostgresDatabase, dbKinds } from '../helpers/db.js';
import { http } from '../helpers/gateway.js';
import { startServe, type ServeProcess } from '../helpers/serve.js';

/**
 * SIGKILL during load: nothing runs on the way out, so what the gateway had not yet written is
 * lost. The spend writer flushes every second (or every 200 records), so the loss is bounded
 * by the requests that finished in the last flush window; everything before it is in the
 * database, and the database is consistent (spend rows and budget usage written together).
 */

const password = 'an-admin-password-for-tests';
const script: Script = { kind: 'message', blocks: [{ type: 'text', text: 'one two three four', chunks: ['one', ' two', ' three', ' four'] }], chunkDelayMs: 30 };
/** The spend writer's flush interval (src/spend/request-log.ts). */
const flushWindowMs = 1_000;

const baseEnv = (emulator: Emulator, dataDir: string) => ({
  CCAG_SECRET_KEY: 'e2e-secret-key-e2e-secret-key-0123456789',
  CCAG_ADMIN_PASSWORD: password,
  CCAG_DATA_DIR: dataDir,
  AWS_ACCESS_KEY_ID: emulatorCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: emulatorCredentials.secretAccessKey,
});

/** 12 streaming clients until the process dies; each success with the time it ended. */
async function loadUntilKilled(gw: ServeProcess, runMs: number): Promise<{ finishedAt: number[]; killedAt: number }> {
  const login = await http(`${gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'admin', password } });
  const key = (await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: login.body.token, body: { name: 'load', team: 'crash' } })).body.key;
  const finishedAt: number[] = [];
  let dead = false;
  const clients = Array.from({ length: 12 }, async () => {
    while (!dead) {
      try {
        const res = await request(`${gw.url}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'go' }] }),
        });
        const text = await res.body.text();
        if (res.statusCode === 200 && text.includes('event: message_stop')) finishedAt.push(Date.now());
      } catch {
        return; // the gateway is gone
      }
    }
  });
  await new Promise((r) => setTimeout(r, runMs));
  const killedAt = Date.now();
  await gw.stop('SIGKILL');
  dead = true;
  await Promise.all(clients);
  return { finishedAt, killedAt };
}

async function prepare(url: string): Promise<void> {
  const login = await http(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'admin', password } });
  const team = await http(`${url}/admin/v1/teams`, { method: 'POST', token: login.body.token, body: { name: 'crash' } });
  assert.equal(team.status, 201, JSON.stringify(team.body));
  const budget = await http(`${url}/admin/v1/budgets`, { method: 'PUT', token: login.body.token, body: { scope: 'team', target: 'crash', amount_usd: 1000, period: 'monthly' } });
  assert.equal(budget.status, 200, JSON.stringify(budget.body));
}

test('SIGKILL during load with Postgres: at most the unflushed window is lost, the rest is consistent', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, async () => {
  const database = await createPostgresDatabase();
  const emulator = await startEmulator({ script: () => script });
  try {
    const gw = await startServe(['--bedrock-endpoint', emulator.url, '--region', 'us-east-1'], { ...baseEnv(emulator, mkdtempSync(join(tmpdir(), 'ccag-kill-'))), DATABASE_URL: database.url });
    await prepare(gw.url);
    const { finishedAt, killedAt } = await loadUntilKilled(gw, 5_000);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db.query(`SELECT count(*)::int AS n, COALESCE(sum(cost_micros), 0)::bigint AS cost FROM requests WHERE route = 'messages' AND status = 200`);
    const usage = await db.query(`SELECT COALESCE(sum(spent_micros), 0)::bigint AS spent FROM budget_usage`);
    await db.end();
    const written = rows[0].n;
    const lost = finishedAt.length - written;
    const inLastWindow = finishedAt.filter((t) => t > killedAt - 2 * flushWindowMs).length;
    console.log(`SIGKILL (Postgres): ${finishedAt.length} requests completed, ${written} spend rows written, ${lost} lost; ${inLastWindow} completed in the last 2 s (the bound)`);
    assert.ok(finishedAt.length > 20, 'load was running');
    assert.ok(lost >= 0 && lost <= inLastWindow, `lost ${lost}, more than the ${inLastWindow} requests of the unflushed window`);
    assert.equal(Number(usage.rows[0].spent), Number(rows[0].cost), 'budget usage and spend rows agree: written in one transaction');
  } finally {
    await emulator.close();
    await database.drop();
  }
});

test('SIGKILL during load with the embedded database: it restarts, its data is consistent', async () => {
  const emulator = await startEmulator({ script: () => script });
  const dataDir = mkdtempSync(join(tmpdir(), 'ccag-kill-embedded-'));
  try {
    const env = baseEnv(emulator, dataDir);
    const args = ['--bedrock-endpoint', emulator.url, '--region', 'us-east-1'];
    const gw = await startServe(args, env, { timeoutMs: 90_000 });
    await prepare(gw.url);
    const { finishedAt, killedAt } = await loadUntilKilled(gw, 5_000);

    // The stale lock is taken over, the database recovers, and the gateway serves again.
    const again = await startServe(args, env, { timeoutMs: 90_000 });
    try {
      assert.equal((await http(`${again.url}/ready`)).status, 200);
      const login = await http(`${again.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'admin', password } });
      assert.equal(login.status, 200, 'the admin written before the crash is there');
      const spend = await http(`${again.url}/admin/v1/spend?by=team`, { token: login.body.token });
      const budgets = await http(`${again.url}/admin/v1/budgets`, { token: login.body.token });
      const row = spend.body.data.find((r: { group: string }) => r.group === 'crash');
      const written = row?.requests ?? 0;
      const lost = finishedAt.length - written;
      const inLastWindow = finishedAt.filter((t) => t > killedAt - 2 * flushWindowMs).length;
      console.log(`SIGKILL (embedded): ${finishedAt.length} requests completed, ${written} spend rows after restart, ${lost} lost; ${inLastWindow} completed in the last 2 s`);
      assert.ok(finishedAt.length > 20, 'load was running');
      assert.ok(lost >= 0 && lost <= inLastWindow, `lost ${lost}, more than the ${inLastWindow} requests of the unflushed window`);
      assert.equal(budgets.body.data[0].spent_usd.toFixed(4), (row?.cost_usd ?? 0).toFixed(4), 'budget usage and spend rows agree after recovery');
      // And it takes new traffic.
      const key = (await http(`${again.url}/admin/v1/keys`, { method: 'POST', token: login.body.token, body: { name: 'after', team: 'crash' } })).body.key;
      const res = await http(`${again.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } });
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await again.stop('SIGTERM'), 0);
    }
  } finally {
    await emulator.close();
  }
});
