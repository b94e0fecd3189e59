import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { adminPassword, adminToken, http, startGateway, type TestGateway } from '../helpers/gateway.js';
import { createTestDb, type TestDatabase } from '../helpers/db.js';

/**
 * Who may call each route. Every route of the server must be listed here: a new route
 * without an entry fails this test, so nobody ships a route without deciding its access.
 * HEAD routes share their GET route's entry.
 */
type Caller = 'anonymous' | 'inference_key' | 'admin' | 'team_admin' | 'member' | 'viewer' | 'member_admin_key';
const everyone: Caller[] = ['anonymous', 'inference_key', 'admin', 'team_admin', 'member', 'viewer', 'member_admin_key'];
const anyCredential: Caller[] = ['inference_key', 'admin', 'team_admin', 'member', 'viewer', 'member_admin_key'];
const adminApi: Caller[] = ['admin', 'team_admin', 'member', 'viewer', 'member_admin_key'];
const staff: Caller[] = ['admin', 'team_admin'];
const keyMakers: Caller[] = ['admin', 'team_admin', 'member', 'member_admin_key'];
/** SCIM resources: only an identity provider's SCIM token (none of the callers above); 401 in SCIM's shape for all of them. */
const scimOnly: Caller[] = [];

const expected: Record<string, Caller[]> = {
  'GET /health': everyone,
  'GET /ready': everyone,
  // Open while CCAG_METRICS_TOKEN is unset (as here); with it set, test/integration/telemetry checks the token.
  'GET /metrics': everyone,
  'GET /.well-known/ccag.json': everyone,
  'GET /api/hello': everyone,
  'GET /setup': everyone,
  'GET /setup.ps1': everyone,
  'GET /setup/ccag.tgz': everyone,
  'POST /admin/v1/auth/login': everyone,
  'POST /admin/v1/auth/logout': adminApi,
  'GET /admin/v1/me': anyCredential,
  'GET /admin/v1/users': staff,
  'GET /admin/v1/users/:ref': staff,
  'POST /admin/v1/users': staff,
  'PATCH /admin/v1/users/:ref': staff,
  'POST /admin/v1/users/:ref/deactivate': staff,
  'POST /admin/v1/users/:ref/activate': staff,
  'GET /admin/v1/teams': adminApi,
  'GET /admin/v1/teams/:ref': adminApi,
  'POST /admin/v1/teams': ['admin'],
  'PATCH /admin/v1/teams/:ref': ['admin'],
  'DELETE /admin/v1/teams/:ref': ['admin'],
  'GET /admin/v1/teams/:ref/members': staff,
  'POST /admin/v1/teams/:ref/members': staff,
  'DELETE /admin/v1/teams/:ref/members/:user': staff,
  'GET /admin/v1/keys': adminApi,
  'GET /admin/v1/keys/:ref': adminApi,
  'POST /admin/v1/keys': keyMakers,
  'POST /admin/v1/keys/:ref/revoke': adminApi,
  'POST /admin/v1/keys/:ref/rotate': adminApi,
  'GET /admin/v1/audit': ['admin'],
  'GET /admin/v1/models': adminApi,
  'PUT /admin/v1/models/:model': ['admin'],
  'DELETE /admin/v1/models/:model': ['admin'],
  'GET /admin/v1/model-betas': adminApi,
  'PUT /admin/v1/model-betas': ['admin'],
  'DELETE /admin/v1/model-betas/:model/:beta': ['admin'],
  'GET /admin/v1/pricing': adminApi,
  'PUT /admin/v1/pricing/:model': ['admin'],
  'POST /admin/v1/pricing/import': ['admin'],
  'DELETE /admin/v1/pricing/:model': ['admin'],
  'GET /admin/v1/spend': adminApi,
  'GET /admin/v1/budgets': adminApi,
  'GET /admin/v1/budgets/:id': adminApi,
  'GET /admin/v1/budgets/:id/events': adminApi,
  'GET /admin/v1/analytics/summary': adminApi,
  'GET /admin/v1/analytics/timeseries': adminApi,
  'GET /admin/v1/analytics/latency': adminApi,
  'GET /admin/v1/analytics/breakdown': adminApi,
  'GET /admin/v1/analytics/budgets': adminApi,
  'PUT /admin/v1/budgets': staff,
  'DELETE /admin/v1/budgets/:id': staff,
  'GET /admin/v1/policies': staff,
  'GET /admin/v1/policies/explain': adminApi,
  'GET /admin/v1/policies/:ref': staff,
  'POST /admin/v1/policies': ['admin'],
  'PATCH /admin/v1/policies/:ref': ['admin'],
  'DELETE /admin/v1/policies/:ref': ['admin'],
  'GET /admin/v1/idps': ['admin'],
  'GET /admin/v1/idps/:ref': ['admin'],
  'POST /admin/v1/idps': ['admin'],
  'PATCH /admin/v1/idps/:ref': ['admin'],
  'DELETE /admin/v1/idps/:ref': ['admin'],
  'POST /admin/v1/idps/:ref/test': ['admin'],
  'POST /admin/v1/idps/:ref/scim': ['admin'],
  'POST /admin/v1/idps/:ref/scim/rotate': ['admin'],
  'DELETE /admin/v1/idps/:ref/scim': ['admin'],
  'GET /scim/v2/ServiceProviderConfig': everyone,
  'GET /scim/v2/ResourceTypes': everyone,
  'GET /scim/v2/ResourceTypes/:id': everyone,
  'GET /scim/v2/Schemas': everyone,
  'GET /scim/v2/Schemas/:id': everyone,
  'GET /scim/v2/Users': scimOnly,
  'GET /scim/v2/Users/:id': scimOnly,
  'POST /scim/v2/Users': scimOnly,
  'PUT /scim/v2/Users/:id': scimOnly,
  'PATCH /scim/v2/Users/:id': scimOnly,
  'DELETE /scim/v2/Users/:id': scimOnly,
  'GET /scim/v2/Groups': scimOnly,
  'GET /scim/v2/Groups/:id': scimOnly,
  'POST /scim/v2/Groups': scimOnly,
  'PUT /scim/v2/Groups/:id': scimOnly,
  'PATCH /scim/v2/Groups/:id': scimOnly,
  'DELETE /scim/v2/Groups/:id': scimOnly,
  'GET /admin/v1/endpoints': ['admin'],
  'GET /admin/v1/endpoints/:ref': ['admin'],
  'POST /admin/v1/endpoints': ['admin'],
  'PATCH /admin/v1/endpoints/:ref': ['admin'],
  'DELETE /admin/v1/endpoints/:ref': ['admin'],
  'POST /admin/v1/endpoints/:ref/test': ['admin'],
  'GET /admin/v1/teams/:ref/routing': staff,
  'PUT /admin/v1/teams/:ref/routing': ['admin'],
  'DELETE /admin/v1/teams/:ref/routing': ['admin'],
  'GET /admin/v1/search-providers': ['admin'],
  'GET /admin/v1/search-providers/:ref': ['admin'],
  'POST /admin/v1/search-providers': ['admin'],
  'PATCH /admin/v1/search-providers/:ref': ['admin'],
  'DELETE /admin/v1/search-providers/:ref': ['admin'],
  'POST /admin/v1/search-providers/:ref/test': ['admin'],
  'PUT /admin/v1/search-providers/:ref/assign': ['admin'],
  'DELETE /admin/v1/search-assignments': ['admin'],
  'GET /admin/v1/notifications': ['admin'],
  'GET /admin/v1/notifications/:ref': ['admin'],
  'POST /admin/v1/notifications': ['admin'],
  'PATCH /admin/v1/notifications/:ref': ['admin'],
  'DELETE /admin/v1/notifications/:ref': ['admin'],
  'POST /admin/v1/notifications/:ref/test': ['admin'],
  'GET /admin/v1/notifications/:ref/deliveries': ['admin'],
  'GET /admin/v1/devices': adminApi,
  'DELETE /admin/v1/devices/:id': adminApi,
  'POST /admin/v1/users/:ref/sign-out': staff,
  'GET /.well-known/oauth-authorization-server': everyone,
  'GET /.well-known/jwks.json': everyone,
  'POST /oauth/device/code': everyone,
  'POST /oauth/token': everyone,
  'POST /oauth/revoke': everyone,
  'GET /device': everyone,
  'POST /device': everyone,
  'GET /auth/oidc/login': everyone,
  'GET /auth/oidc/callback': everyone,
  'POST /auth/logout': everyone,
  'GET /portal': everyone,
  'GET /portal/*': everyone,
  'POST /v1/messages': anyCredential,
  'POST /v1/messages/count_tokens': anyCredential,
  'GET /v1/models': anyCredential,
  'GET /v1/models/:id': anyCredential,
};

let t: TestDatabase;
let gw: TestGateway;
const credentials: Partial<Record<Caller, string>> = {};

before(async () => {
  t = await createTestDb('pglite');
  gw = await startGateway(t.db);
  const admin = await adminToken(gw.url);
  credentials.admin = admin;
  await http(`${gw.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: 'rt' } });
  for (const role of ['team_admin', 'member', 'viewer'] as const) {
    await http(`${gw.url}/admin/v1/users`, { method: 'POST', token: admin, body: { email: `${role}@rt.io`, role, team: 'rt', password: adminPassword } });
    const login = await http(`${gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: `${role}@rt.io`, password: adminPassword } });
    credentials[role] = login.body.token;
  }
  const inference = await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: credentials.member, body: { name: 'inf' } });
  credentials.inference_key = inference.body.key;
  const adminScope = await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: credentials.member, body: { name: 'auto', scope: 'admin' } });
  credentials.member_admin_key = adminScope.body.key;
});
after(async () => {
  await gw.close();
  await t.drop();
});

test('every route declares its access, and the table lists every route', () => {
  const routes = gw.gateway.routes.filter((r) => r.method !== 'HEAD');
  for (const r of gw.gateway.routes) assert.ok(r.access, `${r.method} ${r.url} declares no access`);
  const actual = routes.map((r) => `${r.method} ${r.url}`).sort();
  assert.deepEqual(actual, Object.keys(expected).sort(), 'the route table changed: add the new routes to `expected`');
});

test('each route admits exactly the callers it should', async () => {
  const placeholder = '00000000-0000-0000-0000-000000000000';
  // Logout ends the session it is called with: check it last.
  const routes = [...gw.gateway.routes].sort((a, b) => Number(a.url.endsWith('/logout')) - Number(b.url.endsWith('/logout')));
  for (const route of routes) {
    const allowed = expected[`${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`]!;
    const path = route.url.replace(/:[a-z]+/g, placeholder);
    // PUT bodies that validate would change configuration; an empty object is refused after the access check.
    for (const caller of everyone) {
      const init = {
        method: route.method,
        token: caller === 'anonymous' ? undefined : credentials[caller],
        body: ['POST', 'PATCH', 'PUT'].includes(route.method) ? {} : undefined,
      };
      const res = await http(`${gw.url}${path}`, init);
      const label = `${route.method} ${route.url} as ${caller}: ${res.status} ${JSON.stringify(res.body)}`;
      if (allowed.includes(caller)) {
        assert.ok(res.status !== 401 && res.status !== 403, `should be allowed: ${label}`);
      } else if (allowed === scimOnly) {
        assert.equal(res.status, 401, label);
        if (route.method !== 'HEAD') assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], label);
      } else if (caller === 'anonymous') {
        assert.equal(res.status, 401, label);
        if (route.method !== 'HEAD') assert.equal(res.body.error.type, 'authentication_error', label);
      } else {
        assert.equal(res.status, 403, label);
        if (route.method !== 'HEAD') assert.equal(res.body.error.type, 'permission_error', label);
      }
    }
  }
});
