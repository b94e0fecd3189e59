import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dbKinds, sharedPostgres } from '../../helpers/db.js';
import { adminToken, eventually, http, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { startLoopback } from '../websearch/loopback.js';

test('two replicas on one Postgres deliver each event exactly once', { skip: !dbKinds.includes('postgres') && 'needs Postgres' }, async () => {
  const shared = await sharedPostgres();
  const replicas: TestGateway[] = [];
  const hook = await startLoopback();
  hook.reply({ status: 200 });
  try {
    replicas.push(await startGateway(shared.a), await startGateway(shared.b));
    const token = await adminToken(replicas[0]!.url);
    const api = (i: number, path: string, init: Parameters<typeof http>[1] = {}) => http(`${replicas[i % 2]!.url}/admin/v1${path}`, { token, ...init });
    const hookCreated = await api(0, '/notifications', { method: 'POST', body: { name: 'ops', type: 'webhook', url: `${hook.url}/hook`, allow_private: true, events: ['key.revoked', 'key.expiring'] } });
    assert.equal(hookCreated.status, 201, JSON.stringify(hookCreated.body));
    await api(0, '/teams', { method: 'POST', body: { name: 'blue' } });

    // Revoked on either replica; both dispatchers are woken and race for every delivery.
    const keys = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await api(i, '/keys', { method: 'POST', body: { name: `k${i}`, team: 'blue', expires_in: '2d' } })).body));
    await Promise.all(keys.map((k, i) => api(i, `/keys/${k.prefix}/revoke`, { method: 'POST' })));
    assert.ok(await eventually(async () => hook.requests.length >= 20, 20_000));
    await Promise.all(replicas.map((r) => r.gateway.notifications.idle()));
    const ids = hook.requests.map((r) => JSON.parse(r.body).data.prefix);
    assert.equal(ids.length, 20);
    assert.equal(new Set(ids).size, 20, 'no event delivered twice');
    const attempts = await shared.a.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_deliveries');
    assert.equal(attempts.rows[0]!.n, 20);

    // Both replicas look for expiring keys at once: a still-valid key expiring soon is told once.
    const soon = (await api(0, '/keys', { method: 'POST', body: { name: 'soon', team: 'blue', expires_in: '2d' } })).body;
    const found = await Promise.all([...replicas, ...replicas].map((r) => r.gateway.notifications.checkExpiringKeys()));
    assert.equal(found.reduce((a, b) => a + b, 0), 1);
    assert.ok(await eventually(async () => hook.requests.some((r) => JSON.parse(r.body).type === 'key.expiring'), 20_000));
    await Promise.all(replicas.map((r) => r.gateway.notifications.idle()));
    const expiring = hook.requests.filter((r) => JSON.parse(r.body).type === 'key.expiring').map((r) => JSON.parse(r.body).data.prefix);
    assert.deepEqual(expiring, [soon.prefix]);
  } finally {
    for (const r of replicas) await r.close();
    await hook.close();
    await shared.drop();
  }
});
