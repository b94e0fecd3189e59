import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminPassword, http, useTestGateway } from '../../helpers/gateway.js';

const env = useTestGateway();
const credentials = { username: 'admin', password: adminPassword };

test('a password login with cookie: true puts the session in an HttpOnly cookie and not in the body', async () => {
  const gw = env.gw.url;
  const res = await http(`${gw}/admin/v1/auth/login`, { method: 'POST', headers: { origin: gw }, body: { ...credentials, cookie: true } });
  assert.equal(res.status, 200);
  assert.equal(res.body.token, undefined, 'no token for scripts to read');
  assert.equal(res.body.user.username, 'admin');
  assert.equal(res.headers['cache-control'], 'no-store');
  const setCookie = res.headers['set-cookie'] as string;
  assert.match(setCookie, /^ccag_session=ccag-sess-/);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Lax/);
  const cookie = setCookie.split(';')[0]!;

  assert.equal((await http(`${gw}/admin/v1/me`, { headers: { cookie } })).body.role, 'admin');
  const out = await http(`${gw}/admin/v1/auth/logout`, { method: 'POST', headers: { cookie, origin: gw } });
  assert.equal(out.status, 204);
  assert.match(out.headers['set-cookie'] as string, /^ccag_session=; .*Max-Age=0/, 'logout clears the cookie');
  assert.equal((await http(`${gw}/admin/v1/me`, { headers: { cookie } })).status, 401, 'and ends the session');
});

test('a cookie login from another site is refused (login CSRF); a token login needs no Origin', async () => {
  const gw = env.gw.url;
  for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
    const res = await http(`${gw}/admin/v1/auth/login`, { method: 'POST', headers, body: { ...credentials, cookie: true } });
    assert.equal(res.status, 403);
    assert.match(res.body.error.message, /cross-site request refused/);
    assert.equal(res.headers['set-cookie'], undefined);
  }
  const token = await http(`${gw}/admin/v1/auth/login`, { method: 'POST', body: credentials });
  assert.equal(token.status, 200);
  assert.match(token.body.token, /^ccag-sess-/);
  assert.equal(token.headers['set-cookie'], undefined);
});
