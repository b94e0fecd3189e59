import assert from 'node:assert/strict';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { createTestDb, type TestDatabase } from '../../helpers/db.js';
import { adminPassword, adminToken, http, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { approveDeviceLogin, HttpBrowser } from '../../helpers/http-browser.js';
import { startTestIdp, type TestIdp } from '../../helpers/oidc-idp.js';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';

/** A form POST to an OAuth endpoint, as RFC 6749 clients send it. */
function oauth(url: string, form: Record<string, string>) {
  return http(url, { method: 'POST', rawBody: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

async function startDeviceLogin(gw: TestGateway) {
  const res = await oauth(`${gw.url}/oauth/device/code`, { client_id: 'ccag-cli', scope: 'openid' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };
}

const poll = (gw: TestGateway, deviceCode: string) => oauth(`${gw.url}/oauth/token`, { grant_type: deviceGrant, device_code: deviceCode, client_id: 'ccag-cli' });
/** Polls as a well-behaved client does: every `interval` seconds, 5 s more after slow_down, until an answer other than pending. */
async function pollUntilDone(gw: TestGateway, start: { device_code: string; interval: number }) {
  let interval = start.interval;
  for (;;) {
    await new Promise((r) => setTimeout(r, interval * 1000));
    const res = await poll(gw, start.device_code);
    if (res.body.error === 'slow_down') interval += 5;
    else if (res.body.error !== 'authorization_pending') return res;
  }
}

const refresh = (gw: TestGateway, token: string) => oauth(`${gw.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: token });

describe('device login through an OIDC identity provider', () => {
  let t: TestDatabase;
  let gw: TestGateway;
  let idp: TestIdp;
  let admin: string;

  before(async () => {
    t = await createTestDb('pglite');
    gw = await startGateway(t.db, { devicePollIntervalSeconds: 1 });
    idp = await startTestIdp([`${gw.url}/auth/oidc/callback`]);
    idp.users.set('u-alice', { email: 'alice@corp.example', name: 'Alice', groups: ['eng', 'gw-admins'] });
    idp.users.set('u-bob', { email: 'bob@corp.example', groups: ['eng'] });
    idp.users.set('u-eve', { email: 'eve@elsewhere.example' });
    admin = await adminToken(gw.url);
    assert.equal((await http(`${gw.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: 'platform' } })).status, 201);
    const created = await http(`${gw.url}/admin/v1/idps`, {
      method: 'POST',
      token: admin,
      body: {
        name: 'corp',
        issuer: idp.issuer,
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
        allowed_domains: ['corp.example'],
        group_mappings: [{ group: 'eng', team: 'platform' }, { group: 'gw-admins', role: 'team_admin' }],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => {
    await gw?.close();
    await idp?.close();
    await t?.drop();
  });

  test('the IdP is listed without its secret, and discovery works from the gateway', async () => {
    const shown = await http(`${gw.url}/admin/v1/idps/corp`, { token: admin });
    assert.equal(shown.body.has_client_secret, true);
    assert.equal(shown.body.redirect_uri, `${gw.url}/auth/oidc/callback`);
    assert.deepEqual(shown.body.group_mappings, [{ group: 'eng', team: 'platform', role: null }, { group: 'gw-admins', team: null, role: 'team_admin' }]);
    assert.ok(!JSON.stringify(shown.body).includes(idp.clientSecret));
    const audit = await http(`${gw.url}/admin/v1/audit`, { token: admin });
    assert.ok(!JSON.stringify(audit.body).includes(idp.clientSecret), 'the secret is not in the audit log');
    const tested = await http(`${gw.url}/admin/v1/idps/corp/test`, { method: 'POST', token: admin, body: {} });
    assert.equal(tested.body.ok, true, JSON.stringify(tested.body));
    assert.equal(tested.body.issuer, idp.issuer);
    const known = await http(`${gw.url}/.well-known/ccag.json`);
    assert.deepEqual(known.body.login_methods, ['sso', 'password']);
    assert.equal(known.body.device_authorization_endpoint, `${gw.url}/oauth/device/code`);
  });

  test('a person confirms the code at the IdP; the CLI gets tokens that work for inference and the admin API', async () => {
    const start = await startDeviceLogin(gw);
    assert.match(start.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(start.verification_uri, `${gw.url}/device`);
    assert.equal(start.interval, 1);
    const pending = await poll(gw, start.device_code);
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, 'authorization_pending');
    assert.equal(pending.headers['cache-control'], 'no-store');

    idp.nextLogin = 'u-alice';
    const page = await approveDeviceLogin(new HttpBrowser(), start.verification_uri_complete);
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /Signed in as <strong>alice@corp\.example<\/strong>/);

    const tokens = (await pollUntilDone(gw, start)).body;
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.expires_in > 800 && tokens.expires_in <= 900);
    assert.match(tokens.refresh_token, /^ccag-rt-[0-9A-Za-z]{43}$/);

    const me = await http(`${gw.url}/admin/v1/me`, { token: tokens.access_token });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.auth.method, 'token');
    assert.equal(me.body.user.email, 'alice@corp.example');
    assert.equal(me.body.user.name, 'Alice');
    assert.equal(me.body.team.name, 'platform', 'the eng group maps to the platform team');
    assert.equal(me.body.role, 'team_admin', 'the gw-admins group maps to team_admin');
    const models = await http(`${gw.url}/v1/models`, { apiKey: tokens.access_token });
    assert.equal(models.status, 200);

    const replay = await poll(gw, start.device_code);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant', 'a device code is good for one set of tokens');

    const audit = await http(`${gw.url}/admin/v1/audit?action=user.provision`, { token: admin });
    assert.ok(JSON.stringify(audit.body).includes('sso:corp'));
  });

  test('polling faster than the interval gets slow_down, and the interval grows by 5 s', async () => {
    const start = await startDeviceLogin(gw);
    await poll(gw, start.device_code);
    const fast = await poll(gw, start.device_code);
    assert.equal(fast.body.error, 'slow_down');
    assert.match(fast.body.error_description, /6 s/);
  });

  test('a user outside the allowed domains is refused at the callback, and the code stays unusable', async () => {
    const start = await startDeviceLogin(gw);
    idp.nextLogin = 'u-eve';
    const page = await approveDeviceLogin(new HttpBrowser(), start.verification_uri_complete);
    assert.equal(page.status, 403);
    assert.match(page.text, /not in a domain allowed/);
    assert.equal((await poll(gw, start.device_code)).body.error, 'authorization_pending');
  });

  test('refusing at the IdP denies the device code', async () => {
    const start = await startDeviceLogin(gw);
    idp.nextLogin = undefined;
    const page = await approveDeviceLogin(new HttpBrowser(), start.verification_uri_complete);
    assert.equal(page.status, 403);
    assert.equal((await pollUntilDone(gw, start)).body.error, 'access_denied');
  });

  async function signIn(sub: string) {
    const start = await startDeviceLogin(gw);
    idp.nextLogin = sub;
    await approveDeviceLogin(new HttpBrowser(), start.verification_uri_complete);
    const res = await pollUntilDone(gw, start);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body as { access_token: string; refresh_token: string };
  }

  test('refresh rotates; a rotated token works in the grace window, reuse after it ends the sign-in', async () => {
    const first = await signIn('u-bob');
    const second = await refresh(gw, first.refresh_token);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    assert.equal((await http(`${gw.url}/v1/models`, { token: second.body.access_token })).status, 200);
    // A parallel refresh with the same token, seconds later: still fine.
    const parallel = await refresh(gw, first.refresh_token);
    assert.equal(parallel.status, 200, JSON.stringify(parallel.body));
    // The same token again once the grace window has passed: theft. The whole sign-in ends.
    await t.db.query("UPDATE refresh_tokens SET rotated_at = now() - interval '5 minutes' WHERE rotated_at IS NOT NULL");
    const reuse = await refresh(gw, first.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.match(reuse.body.error_description, /reuse/);
    assert.equal((await refresh(gw, second.body.refresh_token)).body.error, 'invalid_grant', 'the newest token of the family is dead too');
    const dead = await http(`${gw.url}/v1/models`, { token: second.body.access_token });
    assert.equal(dead.status, 401);
    assert.equal(dead.body.error.type, 'authentication_error');
  });

  test('offboarding at the IdP alone ends access at the next refresh', async () => {
    const tokens = await signIn('u-bob');
    idp.disabled.add('u-bob');
    try {
      const res = await refresh(gw, tokens.refresh_token);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_grant');
      assert.match(res.body.error_description, /corp/);
      assert.equal((await http(`${gw.url}/v1/models`, { token: tokens.access_token })).status, 401);
    } finally {
      idp.disabled.delete('u-bob');
    }
  });

  test('deactivating the user in ccag blocks the access token at once and refresh after', async () => {
    const tokens = await signIn('u-bob');
    assert.equal((await http(`${gw.url}/v1/models`, { token: tokens.access_token })).status, 200);
    assert.equal((await http(`${gw.url}/admin/v1/users/bob@corp.example/deactivate`, { method: 'POST', token: admin, body: {} })).status, 200);
    const res = await http(`${gw.url}/v1/models`, { token: tokens.access_token });
    assert.equal(res.status, 401);
    assert.match(res.body.error.message, /deactivated/);
    assert.equal((await refresh(gw, tokens.refresh_token)).body.error, 'invalid_grant');
    await http(`${gw.url}/admin/v1/users/bob@corp.example/activate`, { method: 'POST', token: admin, body: {} });
    assert.equal((await http(`${gw.url}/v1/models`, { token: tokens.access_token })).status, 200, 'reactivation restores what was not revoked');
  });

  test('signed-in devices are listed and revocable one by one, or all at once', async () => {
    const tokens = await signIn('u-alice');
    const mine = await http(`${gw.url}/admin/v1/devices?user=alice@corp.example`, { token: tokens.access_token });
    assert.ok(mine.body.data.length >= 1);
    assert.ok(mine.body.data.every((d: any) => d.user === 'alice@corp.example'));
    const revoked = await http(`${gw.url}/admin/v1/devices/${mine.body.data.at(-1).id}`, { method: 'DELETE', token: admin });
    assert.equal(revoked.status, 204);
    assert.equal((await http(`${gw.url}/v1/models`, { token: tokens.access_token })).status, 401);
    const other = await signIn('u-alice');
    await http(`${gw.url}/admin/v1/users/alice@corp.example/sign-out`, { method: 'POST', token: admin, body: {} });
    assert.equal((await refresh(gw, other.refresh_token)).body.error, 'invalid_grant');
  });

  test('forged, expired and misdirected access tokens are refused with authentication_error', async () => {
    const { access_token: good } = await signIn('u-alice');
    const [header, payload] = good.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const jwks = (await http(`${gw.url}/.well-known/jwks.json`)).body;
    const publicJwk = jwks.keys[0];
    const other = generateKeyPairSync('ed25519');
    const sign = (c: object, key = other.privateKey, h: object = { alg: 'EdDSA', typ: 'at+jwt', kid: publicJwk.kid }) =>
      new SignJWT(c as any).setProtectedHeader(h as any).sign(key);
    const hsKey = new TextEncoder().encode(JSON.stringify(publicJwk));
    const cases: Record<string, string> = {
      'alg none': new UnsecuredJWT(claims).encode(),
      'HS256 keyed with the public key': await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: publicJwk.kid }).sign(hsKey),
      'signed by another key': await sign(claims),
      'tampered payload': `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${good.split('.')[2]}`,
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await http(`${gw.url}/v1/models`, { token });
      assert.equal(res.status, 401, name);
      assert.equal(res.body.error.type, 'authentication_error', name);
    }
    // Correctly signed with the gateway's own key but wrong issuer / audience / expired.
    const gatewayKey = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), createHmac('sha256', gw.gateway.config.secretKey!).update('ccag access token signing key v1').digest()]),
      format: 'der',
      type: 'pkcs8',
    });
    assert.equal(createPublicKey(gatewayKey).export({ format: 'jwk' }).x, publicJwk.x, 'the test re-derives the real signing key');
    const now = Math.floor(Date.now() / 1000);
    const wrong: Record<string, object> = {
      'wrong issuer': { ...claims, iss: 'https://evil.example' },
      'wrong audience': { ...claims, aud: 'someone-else' },
      expired: { ...claims, iat: now - 3600, exp: now - 60 },
    };
    for (const [name, c] of Object.entries(wrong)) {
      const res = await http(`${gw.url}/v1/models`, { token: await sign(c, gatewayKey) });
      assert.equal(res.status, 401, name);
      assert.equal(res.body.error.type, 'authentication_error', name);
      if (name === 'expired') assert.match(res.body.error.message, /expired/);
    }
    assert.equal((await http(`${gw.url}/v1/models`, { token: await sign(claims, gatewayKey) })).status, 200, 'the same claims, properly signed, pass');
  });

  test('an IdP identity never takes over an existing account by an unverified email', async () => {
    assert.equal((await http(`${gw.url}/admin/v1/users`, { method: 'POST', token: admin, body: { email: 'root@corp.example', role: 'admin', password: 'a-long-enough-password' } })).status, 201);
    idp.users.set('u-mallory', { email: 'root@corp.example', emailVerified: false });
    const start = await startDeviceLogin(gw);
    idp.nextLogin = 'u-mallory';
    const page = await approveDeviceLogin(new HttpBrowser(), start.verification_uri_complete);
    assert.equal(page.status, 403);
    assert.match(page.text, /already exists and is not linked/);
    const root = await http(`${gw.url}/admin/v1/users/root@corp.example`, { token: admin });
    assert.equal(root.body.role, 'admin');
  });

  test('disabling the IdP ends the sign-ins made through it at their next refresh', async () => {
    const tokens = await signIn('u-alice');
    assert.equal((await http(`${gw.url}/admin/v1/idps/corp`, { method: 'PATCH', token: admin, body: { enabled: false } })).status, 200);
    try {
      const res = await refresh(gw, tokens.refresh_token);
      assert.equal(res.body.error, 'invalid_grant');
      assert.match(res.body.error_description, /disabled/);
    } finally {
      await http(`${gw.url}/admin/v1/idps/corp`, { method: 'PATCH', token: admin, body: { enabled: true } });
    }
  });

  test('with SCIM on, only users the IdP provisioned sign in through it', async () => {
    const enabled = await http(`${gw.url}/admin/v1/idps/corp/scim`, { method: 'POST', token: admin, body: {} });
    assert.equal(enabled.status, 201);
    try {
      idp.users.set('u-new', { email: 'new@corp.example' });
      idp.users.set('u-prov', { email: 'prov@corp.example' });
      const provisioned = await http(`${gw.url}/scim/v2/Users`, { method: 'POST', token: enabled.body.token, body: { userName: 'prov@corp.example', emails: [{ value: 'prov@corp.example', primary: true }] } });
      assert.equal(provisioned.status, 201);
      const refusedStart = await startDeviceLogin(gw);
      idp.nextLogin = 'u-new';
      const refused = await approveDeviceLogin(new HttpBrowser(), refusedStart.verification_uri_complete);
      assert.equal(refused.status, 403);
      assert.match(refused.text, /not provisioned/);
      const tokens = await signIn('u-prov');
      const me = await http(`${gw.url}/admin/v1/me`, { token: tokens.access_token });
      assert.equal(me.body.user.id, provisioned.body.id);
    } finally {
      await http(`${gw.url}/admin/v1/idps/corp/scim`, { method: 'DELETE', token: admin });
    }
  });

  test('portal sign-in sets an HttpOnly session cookie; cookie-authenticated changes must come from the gateway; logout ends it', async () => {
    const browser = new HttpBrowser();
    idp.nextLogin = 'u-alice';
    const landed = await browser.get(`${gw.url}/auth/oidc/login?idp=corp&return_to=/portal/keys`);
    assert.equal(new URL(landed.url).pathname, '/portal/keys');
    const session = browser.cookie('ccag_session');
    assert.match(session ?? '', /^ccag-sess-/);
    const setCookie = browser.setCookies.find((c) => c.startsWith('ccag_session='))!;
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.doesNotMatch(setCookie, /Secure/, 'not Secure on plain http');
    const cookie = { cookie: `ccag_session=${session}` };
    const me = await http(`${gw.url}/admin/v1/me`, { headers: cookie });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, 'alice@corp.example');
    const crossSite = await http(`${gw.url}/admin/v1/keys`, { method: 'POST', headers: { ...cookie, origin: 'https://evil.example' }, body: { name: 'csrf' } });
    assert.equal(crossSite.status, 403);
    assert.match(crossSite.body.error.message, /cross-site/);
    assert.equal((await http(`${gw.url}/admin/v1/keys`, { method: 'POST', headers: cookie, body: { name: 'no-origin' } })).status, 403);
    assert.equal((await http(`${gw.url}/admin/v1/keys`, { method: 'POST', headers: { ...cookie, origin: gw.url }, body: { name: 'same-site' } })).status, 201);
    const out = await browser.post(`${gw.url}/auth/logout`, {});
    assert.equal(out.status, 200);
    assert.equal(browser.cookie('ccag_session'), undefined, 'the cookie is cleared');
    assert.equal((await http(`${gw.url}/admin/v1/me`, { headers: cookie })).status, 401, 'and the session ended');
  });

  test('open redirects, unknown states and callbacks from another browser are refused', async () => {
    for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await http(`${gw.url}/auth/oidc/login?idp=corp&return_to=${encodeURIComponent(target)}`);
      assert.equal(res.status, 400, target);
    }
    const unknown = await http(`${gw.url}/auth/oidc/callback?state=made-up&code=x`);
    assert.equal(unknown.status, 400);
    // A sign-in started in one browser, its callback replayed from another.
    const started = await http(`${gw.url}/auth/oidc/login?idp=corp`);
    assert.equal(started.status, 303);
    const state = new URL(started.headers.location as string).searchParams.get('state')!;
    const elsewhere = await http(`${gw.url}/auth/oidc/callback?state=${state}&code=stolen`);
    assert.equal(elsewhere.status, 400);
    assert.match(elsewhere.body, /another browser/);
    const again = await http(`${gw.url}/auth/oidc/callback?state=${state}&code=stolen`, { headers: { cookie: (started.headers['set-cookie'] as string).split(';')[0]! } });
    assert.equal(again.status, 400, 'a state is good once');
    assert.match(again.body, /already used/);
  });
});

describe('device login on a gateway without an identity provider', () => {
  let t: TestDatabase;
  let gw: TestGateway;

  before(async () => {
    t = await createTestDb('pglite');
    gw = await startGateway(t.db, { devicePollIntervalSeconds: 1 });
  });
  after(async () => {
    await gw?.close();
    await t?.drop();
  });

  test("the device page offers the gateway's own password login", async () => {
    const known = await http(`${gw.url}/.well-known/ccag.json`);
    assert.deepEqual(known.body.login_methods, ['password']);
    const start = await startDeviceLogin(gw);
    const browser = new HttpBrowser();
    const wrong = await approveDeviceLogin(browser, start.verification_uri_complete, { username: 'admin', password: 'not-the-password' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /wrong username or password/);
    const page = await approveDeviceLogin(browser, start.verification_uri_complete, { username: 'admin', password: adminPassword });
    assert.match(page.text, /Signed in as <strong>admin<\/strong>/);
    const tokens = (await pollUntilDone(gw, start)).body;
    const me = await http(`${gw.url}/admin/v1/me`, { token: tokens.access_token });
    assert.equal(me.body.user.username, 'admin');
    assert.equal(me.body.auth.method, 'token');
  });

  test('a mistyped or unknown code is explained on the page, and guessing is throttled', async () => {
    const page = await http(`${gw.url}/device?user_code=BCDF-GHJK`);
    assert.equal(page.status, 400);
    assert.match(page.body, /not valid or has expired/);
    let last = page;
    for (let i = 0; i < 10; i++) last = await http(`${gw.url}/device?user_code=BCDF-GHJK`);
    assert.match(last.body, /Too many wrong codes/);
  });
});
