import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { migrate, readMigrations } from '../../../src/db/migrate.js';
import { PostgresDb } from '../../../src/db/postgres.js';
import { createPostgresDatabase, createTestDb, dbKinds } from '../../helpers/db.js';

for (const kind of dbKinds) {
  describe(`migrations on ${kind}`, async () => {
    const t = await createTestDb(kind);
    after(() => t.drop());

    test('apply once, in order, and a second run applies nothing', async () => {
      const applied = await migrate(t.db);
      assert.deepEqual(applied, readMigrations().map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`));
      assert.deepEqual(await migrate(t.db), []);
      const { rows } = await t.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => r.version), readMigrations().map((m) => m.version));
    });

    test('a database newer than this ccag is refused', async () => {
      await t.db.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
      await assert.rejects(migrate(t.db), /newer than this ccag/);
      await t.db.query('DELETE FROM schema_migrations WHERE version = 999');
    });

    test('a failed transaction leaves nothing behind', async () => {
      await assert.rejects(
        t.db.transaction(async (tx) => {
          await tx.query("INSERT INTO teams (name) VALUES ('half-written')");
          throw new Error('boom');
        }),
        /boom/,
      );
      const { rows } = await t.db.query("SELECT * FROM teams WHERE name = 'half-written'");
      assert.equal(rows.length, 0);
    });

    test('notifications reach listeners, and only after commit', async () => {
      const got: string[] = [];
      const unlisten = await t.db.listen('ccag_test', { onNotification: (p) => got.push(p) });
      await t.db.transaction(async (tx) => {
        await tx.query("SELECT pg_notify('ccag_test', 'committed')");
      });
      await t.db
        .transaction(async (tx) => {
          await tx.query("SELECT pg_notify('ccag_test', 'rolled-back')");
          throw new Error('abort');
        })
        .catch(() => undefined);
      await t.db.notify('ccag_test', 'direct');
      const deadline = Date.now() + 3000;
      while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(got.sort(), ['committed', 'direct']);
      await unlisten();
    });
  });
}

if (dbKinds.includes('postgres')) {
  test('replicas starting together on Postgres migrate exactly once', async () => {
    const pg = await createPostgresDatabase();
    const replicas = [new PostgresDb(pg.url), new PostgresDb(pg.url), new PostgresDb(pg.url)];
    try {
      const results = await Promise.all(replicas.map((db) => migrate(db)));
      assert.equal(results.filter((r) => r.length > 0).length, 1);
      assert.equal(results.flat().length, readMigrations().length);
    } finally {
      await Promise.all(replicas.map((db) => db.close()));
      await pg.drop();
    }
  });
}
