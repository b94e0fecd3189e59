import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { request } from 'undici';
import { adminPassword, http } from '../helpers/gateway.js';
import { useInferenceRig } from '../helpers/inference.js';

/**
 * The security posture a user can check from outside: role boundaries between members, login
 * and device endpoints that brake guessing, secrets sealed at rest and absent from logs and
 * the audit log, and CORS closed to foreign origins.
 */

const providerKey = 'search-api-key-that-must-stay-secret-0123';
const idpSecret = 'idp-client-secret-that-must-stay-secret-0123';

describe('security', () => {
  const env = useInferenceRig('pglite');
  let alice = '';
  let bobKeyId = '';
  before(async () => {
    const { gw, admin } = env.rig;
    for (const team of ['red', 'blue']) assert.equal((await http(`${gw.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: team } })).status, 201);
    for (const [email, team] of [['alice@example.com', 'red'], ['bob@example.com', 'blue']]) {
      const res = await http(`${gw.url}/admin/v1/users`, { method: 'POST', token: admin, body: { email, name: email, role: 'member', team, password: `${email}-password-123` } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    alice = (await http(`${gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'alice@example.com', password: 'alice@example.com-password-123' } })).body.token;
    const bob = (await http(`${gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'bob@example.com', password: 'bob@example.com-password-123' } })).body.token;
    bobKeyId = (await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: bob, body: { name: 'bobs' } })).body.id;
    // Secrets the gateway must seal and never repeat.
    assert.equal((await http(`${gw.url}/admin/v1/search-providers`, { method: 'POST', token: admin, body: { name: 'brave', kind: 'brave', api_key: providerKey } })).status, 201);
    assert.equal((await http(`${gw.url}/admin/v1/idps`, { method: 'POST', token: admin, body: { name: 'corp', issuer: 'https://corp.example.com', client_id: 'ccag', client_secret: idpSecret } })).status, 201);
  });

  test('a member cannot see, revoke or rotate another member\'s key, nor issue a key for another team or user', async () => {
    const { gw } = env.rig;
    for (const [method, path] of [['GET', `/admin/v1/keys/${bobKeyId}`], ['POST', `/admin/v1/keys/${bobKeyId}/revoke`], ['POST', `/admin/v1/keys/${bobKeyId}/rotate`]] as const) {
      const res = await http(`${gw.url}${path}`, { method, token: alice });
      assert.ok([403, 404].includes(res.status), `${method} ${path}: ${res.status}`);
    }
    const listed = await http(`${gw.url}/admin/v1/keys`, { token: alice });
    assert.equal(listed.body.data.some((k: { id: string }) => k.id === bobKeyId), false, 'another member\'s key is not listed');
    const otherTeam = await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: alice, body: { name: 'sneaky', team: 'blue' } });
    assert.equal(otherTeam.status, 403, JSON.stringify(otherTeam.body));
    const otherUser = await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: alice, body: { name: 'sneaky', user: 'bob@example.com' } });
    assert.equal(otherUser.status, 403, JSON.stringify(otherUser.body));
    const budget = await http(`${gw.url}/admin/v1/budgets`, { method: 'PUT', token: alice, body: { scope: 'team', target: 'red', amount_usd: 1000, period: 'monthly' } });
    assert.equal(budget.status, 403);
  });

  test('password login is locked after repeated failures (429 with retry-after), even for the right password', async () => {
    const { gw } = env.rig;
    let locked: Awaited<ReturnType<typeof http>> | undefined;
    for (let i = 0; i < 30 && !locked; i++) {
      const res = await http(`${gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'bob@example.com', password: `wrong-${i}` } });
      if (res.status === 429) locked = res;
      else assert.equal(res.status, 401);
    }
    assert.ok(locked, 'locked within 30 attempts');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    const right = await http(`${gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'bob@example.com', password: 'bob@example.com-password-123' } });
    assert.equal(right.status, 429, 'a locked username stays locked for the window');
  });

  test('device authorization requests are throttled per client address', async () => {
    const { gw } = env.rig;
    let throttled = 0;
    for (let i = 0; i < 40; i++) {
      const res = await http(`${gw.url}/oauth/device/code`, { method: 'POST', rawBody: 'client_id=ccag-cli', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      if (res.status === 429) {
        throttled++;
        assert.equal(typeof res.body.error, 'string', 'an RFC 6749 error body');
      }
    }
    assert.ok(throttled > 0, 'the device endpoint brakes a flood');
  });

  test('secrets are sealed at rest: no stored column holds a key, password, token or provider secret in clear', async () => {
    const db = env.db.db;
    const dump = JSON.stringify([
      (await db.query('SELECT * FROM search_providers')).rows,
      (await db.query('SELECT * FROM identity_providers')).rows,
      (await db.query('SELECT * FROM api_keys')).rows,
      (await db.query('SELECT * FROM users')).rows,
      (await db.query('SELECT * FROM sessions')).rows,
      (await db.query('SELECT * FROM audit_log')).rows,
    ]);
    for (const secret of [providerKey, idpSecret, env.rig.key, alice, adminPassword, 'alice@example.com-password-123']) {
      assert.equal(dump.includes(secret), false, `a secret is stored in clear (${secret.slice(0, 8)}…)`);
    }
    const sealed = (await db.query<{ api_key_sealed: string }>('SELECT api_key_sealed FROM search_providers')).rows[0]!.api_key_sealed;
    assert.ok(sealed.length > providerKey.length, 'the provider key is stored sealed');
  });

  test('secrets are redacted from logs, API answers and the audit log', async () => {
    const { gw, admin, key } = env.rig;
    const res = await http(`${gw.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } });
    assert.equal(res.status, 200);
    await http(`${gw.url}/v1/messages`, { method: 'POST', apiKey: `${key.slice(0, -4)}XXXX`, body: {} });
    const answers = JSON.stringify([
      (await http(`${gw.url}/admin/v1/search-providers`, { token: admin })).body,
      (await http(`${gw.url}/admin/v1/idps`, { token: admin })).body,
      (await http(`${gw.url}/admin/v1/keys`, { token: admin })).body,
      (await http(`${gw.url}/admin/v1/audit`, { token: admin })).body,
    ]);
    const logs = gw.logs();
    for (const secret of [providerKey, idpSecret, key, alice, admin, adminPassword, 'alice@example.com-password-123', 'bob@example.com-password-123']) {
      assert.equal(logs.includes(secret), false, `the log holds a secret (${secret.slice(0, 8)}…)`);
      assert.equal(answers.includes(secret), false, `an API answer holds a secret (${secret.slice(0, 8)}…)`);
    }
  });

  test('every request leaves one log line: its id, method, path without the query, status and time', async () => {
    const { gw, key } = env.rig;
    const plain = await http(`${gw.url}/v1/models?limit=5&note=not-for-the-log`, { apiKey: key });
    assert.equal(plain.status, 200);
    const streamed = await request(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await streamed.body.text();
    const linesOf = (id: unknown) =>
      gw
        .logs()
        .split('\n')
        .filter((l) => l.includes(String(id)))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request');
    const [line, ...more] = linesOf(plain.headers['request-id']);
    assert.equal(more.length, 0, 'one line per request');
    assert.deepEqual({ ...line, time: undefined, ms: undefined }, { level: 30, time: undefined, service: 'ccag', reqId: plain.headers['request-id'], method: 'GET', path: '/v1/models', status: 200, ms: undefined, msg: 'request' });
    assert.equal(typeof line!.ms, 'number');
    assert.equal(gw.logs().includes('not-for-the-log'), false, 'the query string is not logged');
    const streamLines = linesOf(streamed.headers['request-id']);
    assert.equal(streamLines.length, 1, `one line for a streamed request too: ${JSON.stringify(streamLines)}`);
    assert.equal(streamLines[0]!.stream, true);
    assert.equal(streamLines[0]!.status, 200);
  });

  test('identity-provider URLs may not point at cloud instance metadata (link-local addresses)', async () => {
    const { gw, admin } = env.rig;
    for (const [name, issuer] of [['metadata', 'http://169.254.169.254/latest'], ['metadata6', 'http://[fd00:ec2::254]/'], ['mapped', 'http://[::ffff:169.254.169.254]/']]) {
      assert.equal((await http(`${gw.url}/admin/v1/idps`, { method: 'POST', token: admin, body: { name, issuer, client_id: 'ccag' } })).status, 201);
      const probe = await http(`${gw.url}/admin/v1/idps/${name}/test`, { method: 'POST', token: admin });
      assert.equal(probe.body.ok, false);
      assert.match(probe.body.error, /ERR_SSRF_BLOCKED/);
    }
  });

  test('CORS is closed: no Access-Control-Allow-Origin for a foreign origin, preflights refused', async () => {
    const { gw, key } = env.rig;
    const origin = 'https://evil.example';
    const simple = await request(`${gw.url}/admin/v1/me`, { headers: { origin, 'x-api-key': key } });
    await simple.body.dump();
    assert.equal(simple.headers['access-control-allow-origin'], undefined);
    assert.equal(simple.headers['access-control-allow-credentials'], undefined);
    for (const path of ['/v1/messages', '/admin/v1/keys', '/oauth/token']) {
      const preflight = await request(`${gw.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key, content-type' },
      });
      await preflight.body.dump();
      assert.ok(preflight.statusCode >= 400, `preflight of ${path} answered ${preflight.statusCode}`);
      assert.equal(preflight.headers['access-control-allow-origin'], undefined);
      assert.equal(preflight.headers['access-control-allow-methods'], undefined);
    }
  });
});
