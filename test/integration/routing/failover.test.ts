import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { emulatorCredentials, startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { createTestDb, type TestDatabase } from '../../helpers/db.js';
import { adminToken, eventually, http, startGateway, type TestGateway } from '../../helpers/gateway.js';

/**
 * Three emulators as three AWS accounts behind one gateway: throttling, an account going down
 * and coming back, and sticky users, seen by a real SDK client.
 */
let t: TestDatabase;
let gw: TestGateway;
let admin: string;
const accounts: Emulator[] = [];
const names = ['acct-a', 'acct-b', 'acct-c'];
const coolDownMs = 1_000;

const throttleAll = (e: Emulator) => e.configure({ script: () => ({ kind: 'error', exception: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' }) });
const serveAll = (e: Emulator) => e.configure({ script: undefined });
const served = (e: Emulator) => e.requests.filter((r) => r.outcome?.ok !== false && r.operation.startsWith('InvokeModel')).length;

before(async () => {
  process.env.AWS_ACCESS_KEY_ID = emulatorCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = emulatorCredentials.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  for (let i = 0; i < 3; i++) accounts.push(await startEmulator({ region: 'us-east-1' }));
  t = await createTestDb('pglite');
  gw = await startGateway(t.db, { region: 'us-east-1', bedrockEndpoint: accounts[0]!.url, circuit: { failuresToOpen: 2, coolDownMs } });
  admin = await adminToken(gw.url);
  for (const [i, name] of names.entries()) {
    const res = await http(`${gw.url}/admin/v1/endpoints`, { method: 'POST', token: admin, body: { name, region: 'us-east-1', endpoint_url: accounts[i]!.url, priority: i + 1 } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  // The router reloads on the change notification.
  assert.ok(await eventually(async () => (await http(`${gw.url}/admin/v1/endpoints/acct-c/test`, { method: 'POST', token: admin, body: {} })).body.ok === true, 5000));
});
after(async () => {
  await gw?.close();
  await t?.drop();
  for (const e of accounts) await e.close();
});

const ask = (token: string, stream = false) =>
  http(`${gw.url}/v1/messages`, { method: 'POST', token, body: { model: 'claude-sonnet-4-5', max_tokens: 50, stream, messages: [{ role: 'user', content: 'hi' }] } });

describe('failover across accounts', () => {
  test('an account that throttles every call is passed over: no 429 reaches the SDK', async () => {
    throttleAll(accounts[0]!);
    await http(`${gw.url}/admin/v1/users`, { method: 'POST', token: admin, body: { email: 'dev@acct.io' } });
    const key = (await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'sdk', user: 'dev@acct.io' } })).body.key;
    const sdk = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
    const before = served(accounts[1]!);
    for (let i = 0; i < 8; i++) {
      const message = await sdk.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: `hello ${i}` }] });
      assert.equal(message.type, 'message');
    }
    const stream = sdk.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'stream please' }] });
    assert.equal((await stream.finalMessage()).type, 'message');
    assert.equal(served(accounts[1]!) - before, 9, 'the next account by priority served them all');
    const throttled = accounts[0]!.requests.filter((r) => r.operation.startsWith('InvokeModel')).length;
    assert.ok(throttled <= 3, `the throttling account's circuit opened after 2 failures (it saw ${throttled})`);
    const res = await ask(admin);
    assert.equal(res.headers['x-ccag-endpoint'], 'acct-b', 'admins see which endpoint served');
    assert.equal((await ask(key)).headers['x-ccag-endpoint'], undefined, 'others do not');
    const health = (await http(`${gw.url}/admin/v1/endpoints/acct-a`, { token: admin })).body.health;
    assert.equal(health.state, 'open');
    assert.match(health.models[0].last_error, /ThrottlingException/);
  });

  test('an account that goes down: traffic moves; after recovery a half-open probe brings it back', async () => {
    const port = accounts[1]!.port;
    await accounts[1]!.close();
    for (let i = 0; i < 4; i++) {
      const res = await ask(admin);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers['x-ccag-endpoint'], 'acct-c');
    }
    accounts[1] = await startEmulator({ region: 'us-east-1', port });
    serveAll(accounts[0]!);
    // After the cool-down one probe goes to each recovered account, and traffic returns by priority.
    assert.ok(await eventually(async () => (await ask(admin)).headers['x-ccag-endpoint'] === 'acct-a', 10_000, 200));
    const states = (await http(`${gw.url}/admin/v1/endpoints`, { token: admin })).body.data.map((e: any) => `${e.name}:${e.health.state}`);
    assert.ok(states.includes('acct-a:closed'), states.join(' '));
  });

  test('errors of the request itself are not failed over', async () => {
    const before = accounts.map(served);
    // Bedrock refusing the prompt itself (too long): another account would refuse it too.
    const res = await http(`${gw.url}/v1/messages`, { method: 'POST', token: admin, body: { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: '[[too-long]]' }] } });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /too long/);
    assert.deepEqual(accounts.map(served), before);
  });
});

describe('sticky users', () => {
  test('1,000 requests from 20 users over 3 endpoints: each user stays on one; when one fails only its users move', async () => {
    for (const e of accounts) serveAll(e);
    await http(`${gw.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: 'sticky' } });
    const routing = await http(`${gw.url}/admin/v1/teams/sticky/routing`, { method: 'PUT', token: admin, body: { strategy: 'sticky-user', endpoints: names } });
    assert.equal(routing.status, 200, JSON.stringify(routing.body));
    const keys: string[] = [];
    for (let u = 0; u < 20; u++) {
      await http(`${gw.url}/admin/v1/users`, { method: 'POST', token: admin, body: { email: `u${u}@sticky.io`, team: 'sticky' } });
      keys.push((await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: `k${u}`, user: `u${u}@sticky.io` } })).body.key);
    }
    // Every account healthy again (after the cool-down, a probe closes each circuit) before measuring.
    await new Promise((r) => setTimeout(r, coolDownMs + 100));
    assert.ok(
      await eventually(async () => {
        await Promise.all(keys.map((key) => ask(key)));
        const list = (await http(`${gw.url}/admin/v1/endpoints`, { token: admin })).body.data;
        return list.every((e: any) => e.health.state === 'closed');
      }, 10_000, 200),
    );

    async function placements(requestsPerUser: number): Promise<Map<number, Set<string>>> {
      // Requests still buffered from before are written first, then forgotten with the rest.
      await gw.gateway.inference.requestLog.flush();
      await t.db.query("DELETE FROM requests WHERE user_id IN (SELECT id FROM users WHERE email LIKE '%@sticky.io')");
      const jobs = keys.flatMap((key, u) => Array.from({ length: requestsPerUser }, () => ({ key, u })));
      for (let i = 0; i < jobs.length; i += 20) {
        await Promise.all(jobs.slice(i, i + 20).map(async ({ key }) => assert.equal((await ask(key)).status, 200)));
      }
      await gw.gateway.inference.requestLog.flush();
      const { rows } = await t.db.query<{ email: string; endpoint: string }>(
        `SELECT u.email, r.endpoint FROM requests r JOIN users u ON u.id = r.user_id WHERE u.email LIKE '%@sticky.io'`,
      );
      const byUser = new Map<number, Set<string>>();
      for (const r of rows) {
        const u = Number(/^u(\d+)@/.exec(r.email)![1]);
        if (!byUser.has(u)) byUser.set(u, new Set());
        byUser.get(u)!.add(r.endpoint);
      }
      return byUser;
    }

    const first = await placements(50);
    assert.equal([...first.values()].reduce((n, s) => n + s.size, 0), 20, 'every user on exactly one endpoint');
    const used = new Set([...first.values()].flatMap((s) => [...s]));
    assert.equal(used.size, 3, 'the users spread over all three');

    const failing = 'acct-b';
    throttleAll(accounts[1]!);
    const second = await placements(5);
    for (const [u, endpoints] of first) {
      const now = second.get(u)!;
      if (endpoints.has(failing)) assert.ok(!now.has(failing) || now.size > 1, `user ${u} moved off ${failing}`);
      else assert.deepEqual([...now], [...endpoints], `user ${u} stayed where it was`);
    }
    serveAll(accounts[1]!);
  });
});
