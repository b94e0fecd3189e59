import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminPassword, adminToken, http, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { createTestDb, dbKinds, type TestDatabase } from '../../helpers/db.js';

for (const kind of dbKinds) {
  describe(`admin API on ${kind}`, () => {
    let t: TestDatabase;
    let gw: TestGateway;
    let url: string;
    let admin: string;
    const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${url}/admin/v1${path}`, { token: admin, ...init });

    before(async () => {
      t = await createTestDb(kind);
      gw = await startGateway(t.db);
      url = gw.url;
      admin = await adminToken(url);
    });
    after(async () => {
      await gw.close();
      await t.drop();
    });

    test('teams: create, show by name or id, update, list, duplicate names refused', async () => {
      const created = await api('/teams', { method: 'POST', body: { name: 'platform', description: 'infra' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.name, 'platform');
      assert.match(created.headers['request-id'] as string, /^req_/);
      assert.equal((await api('/teams/platform')).body.id, created.body.id);
      assert.equal((await api(`/teams/${created.body.id}`)).body.name, 'platform');
      const dup = await api('/teams', { method: 'POST', body: { name: 'Platform' } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.type, 'error');
      assert.equal(dup.body.error.type, 'conflict_error');
      assert.match(dup.body.error.message, /already exists/);
      const renamed = await api('/teams/platform', { method: 'PATCH', body: { name: 'platform-eng' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.name, 'platform-eng');
      const list = await api('/teams');
      assert.ok(list.body.data.some((x: any) => x.name === 'platform-eng'));
      assert.equal(list.body.next_cursor, null);
    });

    test('bad input is answered in the Anthropic error shape with the right status', async () => {
      const cases: [Parameters<typeof http>[1] & { path: string }, number, string, RegExp][] = [
        [{ path: '/teams', method: 'POST', rawBody: '{"name": "x",' }, 400, 'invalid_request_error', /not valid JSON/],
        [{ path: '/teams', method: 'POST', body: { name: 'ok-name', colour: 'red' } }, 400, 'invalid_request_error', /colour/],
        [{ path: '/teams', method: 'POST', body: { name: 42 } }, 400, 'invalid_request_error', /^name: /],
        [{ path: '/teams', method: 'POST', body: { name: 'has space' } }, 400, 'invalid_request_error', /name: must be/],
        [{ path: '/users', method: 'POST', body: { email: 'not-an-email' } }, 400, 'invalid_request_error', /email: must be an email/],
        [{ path: '/users', method: 'POST', body: { email: 'a@b.co', role: 'god' } }, 400, 'invalid_request_error', /role/],
        [{ path: '/keys', method: 'POST', body: { name: 'k', team: 'no-such-team' } }, 404, 'not_found_error', /no team no-such-team/],
        [{ path: '/keys', method: 'POST', body: { name: 'k', expires_in: 'forever' } }, 400, 'invalid_request_error', /expires_in: must be a duration/],
        [{ path: '/teams/00000000-0000-0000-0000-000000000000' }, 404, 'not_found_error', /no team/],
        [{ path: '/users/nobody@example.com' }, 404, 'not_found_error', /no user/],
        [{ path: '/keys/sk-ccag-XXXXXX' }, 404, 'not_found_error', /no key/],
        [{ path: '/keys?cursor=garbage' }, 400, 'invalid_request_error', /cursor/],
        [{ path: '/keys?colour=red' }, 400, 'invalid_request_error', /^query: Unrecognized key: "colour"/],
        [{ path: '/keys?limit=0' }, 400, 'invalid_request_error', /^query parameter limit: /],
        [{ path: '/keys?team=ghosts' }, 404, 'not_found_error', /no team ghosts/],
        [{ path: '/nope' }, 404, 'not_found_error', /no route GET \/admin\/v1\/nope/],
        [{ path: '/teams', method: 'POST', rawBody: 'name=x', headers: { 'content-type': 'text/plain' } }, 400, 'invalid_request_error', /content-type/],
        [{ path: '/me', token: 'sk-ccag-invalid' }, 401, 'authentication_error', /invalid x-api-key/],
        [{ path: '/me', token: '' }, 401, 'authentication_error', /missing credentials/],
      ];
      for (const [{ path, ...init }, status, type, message] of cases) {
        const res = await api(path, init);
        assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.type, 'error');
        assert.equal(res.body.error.type, type, path);
        assert.match(res.body.error.message, message, path);
        assert.equal(res.body.request_id, res.headers['request-id']);
      }
    });

    test('a body over the limit gets 413 request_too_large', async () => {
      const small = await startGateway(t.db, { maxBodyBytes: 1024 });
      try {
        const res = await http(`${small.url}/admin/v1/teams`, { method: 'POST', token: admin, body: { name: 'big', description: 'x'.repeat(2000) } });
        assert.equal(res.status, 413);
        assert.equal(res.body.error.type, 'request_too_large');
      } finally {
        await small.close();
      }
    });

    test('users: create in a team, update, deactivate and activate; the last admin is kept', async () => {
      await api('/teams', { method: 'POST', body: { name: 'web' } });
      const u = await api('/users', { method: 'POST', body: { email: 'Ann@Example.com', name: 'Ann', team: 'web' } });
      assert.equal(u.status, 201);
      assert.equal(u.body.email, 'ann@example.com');
      assert.equal(u.body.team, 'web');
      assert.equal(u.body.role, 'member');
      assert.equal('password_hash' in u.body, false);
      assert.equal((await api('/users', { method: 'POST', body: { email: 'ann@example.com' } })).status, 409);
      const updated = await api('/users/ann@example.com', { method: 'PATCH', body: { role: 'team_admin' } });
      assert.equal(updated.body.role, 'team_admin');
      assert.equal((await api('/users/ann@example.com', { method: 'PATCH', body: {} })).status, 400);
      assert.equal((await api('/users/ann@example.com/deactivate', { method: 'POST' })).body.active, false);
      assert.equal((await api('/users/ann@example.com/activate', { method: 'POST' })).body.active, true);
      const self = await api('/users/admin/deactivate', { method: 'POST' });
      assert.equal(self.status, 400);
      const demote = await api('/users/admin', { method: 'PATCH', body: { role: 'member' } });
      assert.equal(demote.status, 409);
      assert.match(demote.body.error.message, /last active admin/);
      const members = await api('/teams/web/members');
      assert.deepEqual(members.body.data.map((m: any) => m.email), ['ann@example.com']);
    });

    test('keys: created with the secret once, listed without it, shown by prefix, revoked', async () => {
      await api('/teams', { method: 'POST', body: { name: 'build' } });
      const created = await api('/keys', { method: 'POST', body: { name: 'ci-1', team: 'build', expires_in: '1d', models: ['claude-sonnet-4-5'] } });
      assert.equal(created.status, 201);
      assert.match(created.body.key, /^sk-ccag-[0-9A-Za-z]{43}$/);
      assert.equal(created.body.prefix, created.body.key.slice(0, 14));
      assert.equal(created.body.user, null);
      assert.equal(created.body.team, 'build');
      const expires = Date.parse(created.body.expires_at) - Date.now();
      assert.ok(expires > 86_000_000 && expires <= 86_400_000);
      const listed = await api('/keys?team=build');
      assert.equal(listed.body.data.length, 1);
      assert.equal(JSON.stringify(listed.body).includes(created.body.key), false);
      assert.equal(JSON.stringify(listed.body).includes(created.body.key.slice(14)), false);
      const shown = await api(`/keys/${created.body.prefix}`);
      assert.equal(shown.body.id, created.body.id);
      assert.equal('key' in shown.body, false);

      const me = await http(`${url}/admin/v1/me`, { apiKey: created.body.key });
      assert.equal(me.status, 200);
      assert.equal(me.body.team.name, 'build');
      assert.equal(me.body.auth.scope, 'inference');
      // An inference key cannot use the admin API.
      const denied = await http(`${url}/admin/v1/keys`, { token: created.body.key });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.type, 'permission_error');

      const revoked = await api(`/keys/${created.body.id}/revoke`, { method: 'POST' });
      assert.equal(revoked.body.status, 'revoked');
      const after = await http(`${url}/admin/v1/me`, { apiKey: created.body.key });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.type, 'authentication_error');
      assert.equal((await api('/keys?team=build')).body.data.length, 0);
      assert.equal((await api('/keys?team=build&include_revoked=true')).body.data.length, 1);
    });

    test('rotate: the new key works at once, the old one for the grace period only', async () => {
      const old = await api('/keys', { method: 'POST', body: { name: 'rot' } });
      const rotated = await api(`/keys/${old.body.prefix}/rotate`, { method: 'POST', body: { grace_period: '1h' } });
      assert.equal(rotated.status, 201);
      assert.notEqual(rotated.body.key, old.body.key);
      assert.equal(rotated.body.name, 'rot');
      assert.equal((await http(`${url}/admin/v1/me`, { apiKey: rotated.body.key })).status, 200);
      assert.equal((await http(`${url}/admin/v1/me`, { apiKey: old.body.key })).status, 200);
      const oldNow = await api(`/keys/${old.body.id}`);
      const left = Date.parse(oldNow.body.expires_at) - Date.now();
      assert.ok(left > 3_500_000 && left <= 3_600_000, String(left));

      const immediate = await api(`/keys/${rotated.body.id}/rotate`, { method: 'POST', body: { grace_period: '0s' } });
      assert.equal(immediate.status, 201);
      const gone = await http(`${url}/admin/v1/me`, { apiKey: rotated.body.key });
      assert.equal(gone.status, 401);
      assert.match(gone.body.error.message, /expired/);
    });

    test('pagination walks every row once', async () => {
      await api('/teams', { method: 'POST', body: { name: 'paged' } });
      for (let i = 0; i < 7; i++) await api('/keys', { method: 'POST', body: { name: `p${i}`, team: 'paged' } });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: any = await api(`/keys?team=paged&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.data.map((k: any) => k.name));
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor);
      assert.deepEqual(seen, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
      assert.equal(pages, 3);
    });

    test('a team_admin manages keys and members of its own team only', async () => {
      await api('/teams', { method: 'POST', body: { name: 'alpha' } });
      await api('/teams', { method: 'POST', body: { name: 'beta' } });
      await api('/users', { method: 'POST', body: { email: 'lead@alpha.io', role: 'team_admin', team: 'alpha', password: adminPassword } });
      await api('/users', { method: 'POST', body: { email: 'dev@alpha.io', team: 'alpha' } });
      await api('/users', { method: 'POST', body: { email: 'dev@beta.io', team: 'beta' } });
      const login = await http(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'lead@alpha.io', password: adminPassword } });
      assert.equal(login.status, 200);
      // Automation holds an admin-scope key of the team admin.
      const leadKey = await http(`${url}/admin/v1/keys`, { method: 'POST', token: login.body.token, body: { name: 'lead-ci', scope: 'admin' } });
      assert.equal(leadKey.status, 201);
      const lead = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${url}/admin/v1${path}`, { token: leadKey.body.key, ...init });

      assert.equal((await lead('/keys', { method: 'POST', body: { name: 'a', team: 'alpha' } })).status, 201);
      assert.equal((await lead('/keys', { method: 'POST', body: { name: 'b', user: 'dev@alpha.io' } })).status, 201);
      const other = await lead('/keys', { method: 'POST', body: { name: 'c', team: 'beta' } });
      assert.equal(other.status, 403);
      assert.equal(other.body.error.type, 'permission_error');
      assert.equal((await lead('/keys', { method: 'POST', body: { name: 'd', user: 'dev@beta.io' } })).status, 403);
      assert.ok((await lead('/keys')).body.data.every((k: any) => k.team === 'alpha'));
      assert.equal((await lead('/users/dev@beta.io')).status, 404);
      assert.deepEqual(
        (await lead('/users')).body.data.map((u: any) => u.email).sort(),
        ['dev@alpha.io', 'lead@alpha.io'],
      );
      assert.equal((await lead('/teams', { method: 'POST', body: { name: 'gamma' } })).status, 403);
      const created = await lead('/users', { method: 'POST', body: { email: 'new@alpha.io' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.team, 'alpha');
      assert.equal((await lead('/users', { method: 'POST', body: { email: 'boss@alpha.io', role: 'admin' } })).status, 403);
      assert.equal((await lead('/teams/alpha/members', { method: 'POST', body: { user: 'dev@beta.io' } })).status, 403);
      assert.equal((await lead('/audit')).status, 403);
      // No escalation through an admin who happens to sit in the team: their admin-scope key is not the lead's to mint.
      await api('/users', { method: 'POST', body: { email: 'boss@alpha.io', role: 'admin', team: 'alpha' } });
      const escalate = await lead('/keys', { method: 'POST', body: { name: 'x', user: 'boss@alpha.io', scope: 'admin' } });
      assert.equal(escalate.status, 403);
      assert.match(escalate.body.error.message, /only an admin can create an admin-scope key for another user/);
      assert.equal((await lead('/teams/beta/members')).status, 404);
    });

    test('a member creates and revokes only their own keys', async () => {
      await api('/users', { method: 'POST', body: { email: 'm@x.io', password: adminPassword } });
      const login = await http(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'm@x.io', password: adminPassword } });
      const m = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${url}/admin/v1${path}`, { token: login.body.token, ...init });
      const own = await m('/keys', { method: 'POST', body: { name: 'mine' } });
      assert.equal(own.status, 201);
      assert.equal(own.body.user, 'm@x.io');
      assert.equal((await m('/keys', { method: 'POST', body: { name: 'x', team: 'alpha' } })).status, 403);
      const adminsKey = await api('/keys', { method: 'POST', body: { name: 'admins' } });
      assert.equal((await m(`/keys/${adminsKey.body.id}/revoke`, { method: 'POST' })).status, 404);
      assert.deepEqual((await m('/keys')).body.data.map((k: any) => k.name), ['mine']);
      assert.equal((await m('/users')).status, 403);
      assert.equal((await m(`/keys/${own.body.id}/revoke`, { method: 'POST' })).status, 200);
    });

    test('password login: wrong passwords are limited; logout ends the session', async () => {
      await api('/users', { method: 'POST', body: { email: 'locked@x.io', password: adminPassword } });
      for (let i = 0; i < 5; i++) {
        const wrong = await http(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'locked@x.io', password: 'wrong-password!' } });
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.error.message, 'wrong username or password');
      }
      const locked = await http(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'locked@x.io', password: adminPassword } });
      assert.equal(locked.status, 429);
      assert.equal(locked.body.error.type, 'rate_limit_error');
      assert.ok(Number(locked.headers['retry-after']) > 0);
      const unknown = await http(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'ghost@x.io', password: 'whatever-it-is' } });
      assert.equal(unknown.body.error.message, 'wrong username or password');

      const session = await adminToken(url);
      assert.equal((await http(`${url}/admin/v1/me`, { token: session })).status, 200);
      assert.equal((await http(`${url}/admin/v1/auth/logout`, { method: 'POST', token: session })).status, 204);
      assert.equal((await http(`${url}/admin/v1/me`, { token: session })).status, 401);
    });

    test('deactivating a user stops their keys and sessions at once', async () => {
      await api('/users', { method: 'POST', body: { email: 'leaver@x.io', password: adminPassword } });
      const key = await api('/keys', { method: 'POST', body: { name: 'leaver', user: 'leaver@x.io' } });
      const login = await http(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'leaver@x.io', password: adminPassword } });
      assert.equal((await http(`${url}/admin/v1/me`, { apiKey: key.body.key })).status, 200);
      await api('/users/leaver@x.io/deactivate', { method: 'POST' });
      assert.equal((await http(`${url}/admin/v1/me`, { apiKey: key.body.key })).status, 401);
      assert.equal((await http(`${url}/admin/v1/me`, { token: login.body.token })).status, 401);
      await api('/users/leaver@x.io/activate', { method: 'POST' });
      assert.equal((await http(`${url}/admin/v1/me`, { apiKey: key.body.key })).status, 200);
      // Sessions ended by deactivation stay ended.
      assert.equal((await http(`${url}/admin/v1/me`, { token: login.body.token })).status, 401);
    });

    test('teams with members or active keys are not deleted; empty ones are', async () => {
      await api('/teams', { method: 'POST', body: { name: 'doomed' } });
      await api('/users', { method: 'POST', body: { email: 'd@x.io' } });
      const added = await api('/teams/doomed/members', { method: 'POST', body: { user: 'd@x.io' } });
      assert.equal(added.body.team, 'doomed');
      const busy = await api('/teams/doomed', { method: 'DELETE' });
      assert.equal(busy.status, 409);
      assert.match(busy.body.error.message, /1 member/);
      assert.equal((await api('/teams/doomed/members/d@x.io', { method: 'DELETE' })).status, 204);
      const k = await api('/keys', { method: 'POST', body: { name: 'dk', team: 'doomed' } });
      assert.equal((await api('/teams/doomed', { method: 'DELETE' })).status, 409);
      await api(`/keys/${k.body.id}/revoke`, { method: 'POST' });
      assert.equal((await api('/teams/doomed', { method: 'DELETE' })).status, 204);
      assert.equal((await api('/teams/doomed')).status, 404);
    });

    test('every change is audited, and no secret reaches the audit log or the logs', async () => {
      const key = await api('/keys', { method: 'POST', body: { name: 'audited' } });
      await api('/users', { method: 'POST', body: { email: 'pw@x.io', password: 'a-secret-password-123' } });
      const audit = await api('/audit?limit=500');
      const actions = audit.body.data.map((e: any) => e.action);
      for (const a of ['team.create', 'team.update', 'user.create', 'user.update', 'user.deactivate', 'key.create', 'key.revoke', 'key.rotate', 'team.delete', 'team.add_member', 'team.remove_member']) {
        assert.ok(actions.includes(a), `missing ${a}`);
      }
      const entry = audit.body.data.find((e: any) => e.action === 'key.create' && e.target_id === key.body.id);
      assert.equal(entry.actor, 'admin');
      assert.match(entry.request_id, /^req_/);
      const everything = JSON.stringify(audit.body) + gw.logs();
      for (const secret of [key.body.key, key.body.key.slice(14), 'a-secret-password-123', adminPassword, admin]) {
        assert.equal(everything.includes(secret), false, 'a secret leaked');
      }
    });
  });
}
