import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PostgresDb } from '../../../src/db/postgres.js';
import { adminToken, eventually, http, startGateway, type TestGateway } from '../../helpers/gateway.js';
import { countingDb, createTestDb, dbKinds, sharedPostgres, type TestDatabase } from '../../helpers/db.js';

for (const kind of dbKinds) {
  describe(`credential cache on ${kind}`, () => {
    let t: TestDatabase;
    let counted: ReturnType<typeof countingDb>;
    let gw: TestGateway;

    before(async () => {
      t = await createTestDb(kind);
      counted = countingDb(t.db);
      gw = await startGateway(counted);
    });
    after(async () => {
      await gw.close();
      await t.drop();
    });

    test('a cached key is checked with zero database queries', async () => {
      const admin = await adminToken(gw.url);
      const key = await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'hot' } });
      assert.equal((await gw.gateway.credentials.authenticate(key.body.key)).keyId, key.body.id); // warms the cache
      const before = counted.queries;
      for (let i = 0; i < 50; i++) {
        const p = await gw.gateway.credentials.authenticate(key.body.key);
        assert.equal(p.keyId, key.body.id);
      }
      assert.equal(counted.queries - before, 0);
      // Unknown keys are remembered too: a flood of bad keys costs one query each at most once.
      const bogus = 'sk-ccag-' + 'A'.repeat(43);
      await assert.rejects(gw.gateway.credentials.authenticate(bogus), /invalid x-api-key/);
      const afterFirst = counted.queries;
      for (let i = 0; i < 20; i++) await assert.rejects(gw.gateway.credentials.authenticate(bogus));
      assert.equal(counted.queries, afterFirst);
    });
  });
}

if (dbKinds.includes('postgres')) {
  describe('two replicas on one Postgres', () => {
    let database: Awaited<ReturnType<typeof sharedPostgres>>;
    let a: TestGateway;
    let b: TestGateway;
    let dbB: PostgresDb;

    before(async () => {
      database = await sharedPostgres();
      dbB = database.b;
      a = await startGateway(database.a);
      b = await startGateway(database.b);
    });
    after(async () => {
      await a.close();
      await b.close();
      await database.drop();
    });

    test('a key revoked on one replica fails on the other within 5 s', async () => {
      const admin = await adminToken(a.url);
      const key = await http(`${a.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'shared' } });
      assert.equal((await http(`${b.url}/admin/v1/me`, { apiKey: key.body.key })).status, 200);
      await http(`${a.url}/admin/v1/keys/${key.body.id}/revoke`, { method: 'POST', token: admin });
      assert.ok(await eventually(async () => (await http(`${b.url}/admin/v1/me`, { apiKey: key.body.key })).status === 401, 5000));
    });

    test('after the notification connection drops, a revocation still reaches the replica within 5 s', async () => {
      const admin = await adminToken(a.url);
      const key = await http(`${a.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'through-outage' } });
      assert.equal((await http(`${b.url}/admin/v1/me`, { apiKey: key.body.key })).status, 200);
      // Kill replica B's LISTEN connection from the server side, then revoke while it is down.
      const killer = new pg.Client({ connectionString: database.url });
      await killer.connect();
      const { rows } = await killer.query(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
      );
      await killer.end();
      assert.ok(rows.length >= 1, 'no LISTEN connection found');
      await http(`${a.url}/admin/v1/keys/${key.body.id}/revoke`, { method: 'POST', token: admin });
      assert.ok(await eventually(async () => (await http(`${b.url}/admin/v1/me`, { apiKey: key.body.key })).status === 401, 5000));
      // And B is listening again: the next revocation arrives through notifications.
      assert.ok(await eventually(async () => dbB.listening, 5000));
      const next = await http(`${a.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'after-reconnect' } });
      assert.equal((await http(`${b.url}/admin/v1/me`, { apiKey: next.body.key })).status, 200);
      await http(`${a.url}/admin/v1/keys/${next.body.id}/revoke`, { method: 'POST', token: admin });
      assert.ok(await eventually(async () => (await http(`${b.url}/admin/v1/me`, { apiKey: next.body.key })).status === 401, 5000));
    });

    test('deactivating a user on one replica blocks their key on the other within 5 s', async () => {
      const admin = await adminToken(a.url);
      await http(`${a.url}/admin/v1/users`, { method: 'POST', token: admin, body: { email: 'bye@x.io' } });
      const key = await http(`${a.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'bye', user: 'bye@x.io' } });
      assert.equal((await http(`${b.url}/admin/v1/me`, { apiKey: key.body.key })).status, 200);
      await http(`${a.url}/admin/v1/users/bye@x.io/deactivate`, { method: 'POST', token: admin });
      assert.ok(await eventually(async () => (await http(`${b.url}/admin/v1/me`, { apiKey: key.body.key })).status === 401, 5000));
    });
  });
}
