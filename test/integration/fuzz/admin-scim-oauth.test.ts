import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { adminToken, http, useTestGateway } from '../../helpers/gateway.js';
import { assertAlive, assertAnthropicError, assertNoLeak, assertOAuthError, assertScimError, memoryInUse, send } from './shapes.js';

/**
 * Bad input on the admin API, SCIM and OAuth: each family answers in its own error shape
 * (Anthropic's on /admin/v1, SCIM's on /scim/v2, RFC 6749 on /oauth), never a 500, never a
 * stack trace or a secret. Routes that would reach out to a URL from the body (IdP and
 * search-provider tests, endpoints) are left out: the suite stays on loopback.
 */

const numRuns = Number(process.env.FUZZ_RUNS ?? 100);
let tried = 0;

const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', '\ud800', 'a\u0000b', '"', "'; DROP TABLE users; --", '../../etc/passwd', '%00', '${jndi:x}', '🧪', '', ' '),
);
/** Percent-encodes anything, lone surrogates included (as the invalid UTF-8 a raw client could send). */
const q = (s: string) => s.split(/([\ud800-\udfff])/u).map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part))).join('');
const hugeNumber = fc.oneof(fc.constantFrom(1e308, -1e308, 2 ** 63, -1, 0, 0.5, Number.MAX_SAFE_INTEGER + 2), fc.double(), fc.integer());
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nastyString, hugeNumber);
/** An object with some of the given fields (each anything) and some unknown ones. */
const bodyWith = (fields: string[]) =>
  fc.oneof(
    fc.tuple(fc.record(Object.fromEntries(fields.map((f) => [f, anyValue])), { requiredKeys: [] }), fc.dictionary(nastyString, anyValue, { maxKeys: 2 })).map(([known, unknown]) => ({ ...unknown, ...known })),
    anyValue,
  );

describe('fuzz: admin API, SCIM, OAuth', () => {
  const env = useTestGateway('pglite');
  let admin = '';
  let scimToken = '';
  before(async () => {
    admin = await adminToken(env.gw.url);
    const idp = await http(`${env.gw.url}/admin/v1/idps`, { method: 'POST', token: admin, body: { name: 'fuzz', issuer: 'https://fuzz.example.com', client_id: 'ccag' } });
    assert.equal(idp.status, 201, JSON.stringify(idp.body));
    scimToken = (await http(`${env.gw.url}/admin/v1/idps/fuzz/scim`, { method: 'POST', token: admin, body: {} })).body.token;
    assert.equal((await http(`${env.gw.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: 'fuzzers' } })).status, 201);
  });
  const secrets = () => [admin, scimToken];

  test('admin API bodies and query strings', async () => {
    const routes: [string, string, string[]][] = [
      ['POST', '/admin/v1/keys', ['name', 'user', 'team', 'scope', 'expires_at', 'expires_in', 'models', 'rpm', 'tpm', 'concurrency']],
      ['POST', '/admin/v1/teams', ['name', 'description', 'rpm', 'tpm', 'concurrency']],
      ['PATCH', '/admin/v1/teams/fuzzers', ['name', 'description', 'rpm']],
      ['POST', '/admin/v1/users', ['email', 'name', 'role', 'team', 'password']],
      ['PUT', '/admin/v1/budgets', ['scope', 'target', 'amount_usd', 'period', 'rules']],
      ['POST', '/admin/v1/policies', ['name', 'team', 'group', 'allowed_models', 'denied_tools', 'max_output_tokens']],
      ['PUT', '/admin/v1/pricing/claude-fuzz', ['input_usd_per_mtok', 'output_usd_per_mtok', 'cache_read_usd_per_mtok']],
      ['POST', '/admin/v1/auth/login', ['username', 'password']],
    ];
    const before = memoryInUse();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.boolean(), fc.integer({ min: 0, max: 1e9 }), async ([method, path, fields], asJson, seed) => {
        const body = fc.sample(bodyWith(fields), { numRuns: 1, seed })[0];
        const res = await send(`${env.gw.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: asJson ? JSON.stringify(body) : String(body),
        });
        tried++;
        assert.notEqual(res.status, 500, `${method} ${path} ${JSON.stringify(body)?.slice(0, 200)}: ${res.text.slice(0, 300)}`);
        assertNoLeak(res.text, secrets().filter((s) => !res.text.includes('"token"')));
        if (res.status >= 400) assertAnthropicError(res.status, res.text);
      }),
      { numRuns },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/admin/v1/spend', '/admin/v1/audit', '/admin/v1/keys', '/admin/v1/users', '/admin/v1/teams/'), nastyString, nastyString, async (path, name, value) => {
        const res = await send(`${env.gw.url}${path}?${q(name)}=${q(value)}&limit=${q(value)}&cursor=${q(value)}`, { method: 'GET', headers: { authorization: `Bearer ${admin}` } });
        tried++;
        assert.notEqual(res.status, 500, `${path} ${name}=${value}: ${res.text.slice(0, 300)}`);
        if (res.status >= 400) assertAnthropicError(res.status, res.text);
      }),
      { numRuns },
    );
    await assertAlive(env.gw.url);
    assert.ok(memoryInUse() - before < 100 * 1024 * 1024);
  });

  test('SCIM filters and PATCH bodies', async () => {
    const created = await http(`${env.gw.url}/scim/v2/Users`, {
      method: 'POST',
      token: scimToken,
      rawBody: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'fuzz@example.com', active: true, emails: [{ value: 'fuzz@example.com', primary: true }] }),
      headers: { 'content-type': 'application/scim+json' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const userId = created.body.id;
    const attribute = fc.oneof(fc.constantFrom('userName', 'active', 'emails', 'emails[type eq "work"].value', 'name.givenName', 'members', 'displayName', 'externalId', 'meta.lastModified'), nastyString);
    const op = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not', 'EQ', '');
    const filter = fc.oneof(
      nastyString,
      fc.tuple(attribute, op, fc.oneof(nastyString.map((s) => JSON.stringify(s)), fc.constantFrom('true', 'null', '1e999', '"unterminated'))).map((p) => p.join(' ')),
      fc.nat({ max: 2000 }).map((n) => `${'('.repeat(n)}userName eq "x"${')'.repeat(n)}`),
      fc.nat({ max: 150 }).map((n) => Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(' or ')),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('Users', 'Groups'), filter, nastyString, async (resource, f, count) => {
        const res = await send(`${env.gw.url}/scim/v2/${resource}?filter=${q(f)}&count=${q(count)}&startIndex=${q(count)}`, {
          method: 'GET',
          headers: { authorization: `Bearer ${scimToken}` },
        });
        tried++;
        assert.notEqual(res.status, 500, `filter ${JSON.stringify(f).slice(0, 200)}: ${res.text.slice(0, 300)}`);
        assertNoLeak(res.text, secrets());
        if (res.status >= 400) assertScimError(res.status, res.text);
      }),
      { numRuns },
    );
    const patchOp = fc.record({ op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'Replace', 'ADD'), nastyString, anyValue), path: fc.oneof(attribute, anyValue), value: anyValue }, { requiredKeys: [] });
    const patchBody = fc.oneof(
      fc.record({ schemas: fc.oneof(fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']), anyValue), Operations: fc.oneof(fc.array(patchOp, { maxLength: 4 }), anyValue) }, { requiredKeys: [] }),
      anyValue,
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(`/scim/v2/Users/${userId}`, '/scim/v2/Users/no-such-user', '/scim/v2/Groups/no-such-group'), patchBody, async (path, body) => {
        const res = await send(`${env.gw.url}${path}`, { method: 'PATCH', headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
        tried++;
        assert.notEqual(res.status, 500, `PATCH ${JSON.stringify(body).slice(0, 200)}: ${res.text.slice(0, 300)}`);
        assertNoLeak(res.text, secrets());
        if (res.status >= 400) assertScimError(res.status, res.text);
      }),
      { numRuns },
    );
    // Bodies that are not JSON, and too deep: still SCIM errors.
    for (const body of ['{', 'null', `{"Operations":${'['.repeat(100_000)}${']'.repeat(100_000)}}`]) {
      const res = await send(`${env.gw.url}/scim/v2/Users/${userId}`, { method: 'PATCH', headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, body });
      tried++;
      assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text.slice(0, 200)}`);
      assertScimError(res.status, res.text);
    }
    await assertAlive(env.gw.url);
  });

  test('OAuth token, device and revoke endpoints', async () => {
    const field = fc.oneof(nastyString, fc.constantFrom('urn:ietf:params:oauth:grant-type:device_code', 'refresh_token', 'authorization_code', 'ccag-cli'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/oauth/token', '/oauth/device/code', '/oauth/revoke'),
        fc.dictionary(fc.oneof(fc.constantFrom('grant_type', 'client_id', 'device_code', 'refresh_token', 'token', 'scope'), nastyString), field, { maxKeys: 4 }),
        fc.boolean(),
        async (path, fields, asForm) => {
          const body = asForm ? new URLSearchParams(fields).toString() : JSON.stringify(fields);
          const res = await send(`${env.gw.url}${path}`, { headers: { 'content-type': asForm ? 'application/x-www-form-urlencoded' : 'application/json' }, body });
          tried++;
          assert.notEqual(res.status, 500, `${path} ${body.slice(0, 200)}: ${res.text.slice(0, 300)}`);
          assertNoLeak(res.text, secrets());
          if (res.status >= 400) assertOAuthError(res.text);
        },
      ),
      { numRuns },
    );
    // Found by the property above: a NUL in client_id reached the database (500).
    for (const clientId of ['\u0000', 'ccag\u0000cli', '\u00e9', '\ud800']) {
      const res = await send(`${env.gw.url}/oauth/device/code`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: clientId }) });
      assert.equal(res.status, 400, res.text);
      assert.equal(JSON.parse(res.text).error, 'invalid_request');
    }
    await assertAlive(env.gw.url);
    console.log(`fuzz admin/SCIM/OAuth: ${tried} bad inputs tried`);
  });
});
