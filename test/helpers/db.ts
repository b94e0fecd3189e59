import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/db/db.js';
import { PgliteDb } from '../../src/db/pglite.js';
import { PostgresDb } from '../../src/db/postgres.js';

export type DbKind = 'postgres' | 'pglite';
export const dbKinds: DbKind[] = (process.env.TEST_DB_KINDS?.split(',') as DbKind[] | undefined) ?? ['postgres', 'pglite'];

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  kind: DbKind;
  /** Postgres connection string (postgres only), for a second replica or the CLI's serve. */
  url?: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh Postgres database for one test file: created here, dropped at the end. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ccag_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** One fresh Postgres database opened twice, as two replicas of the gateway share it. */
export async function sharedPostgres(): Promise<{ url: string; a: PostgresDb; b: PostgresDb; drop(): Promise<void> }> {
  const database = await createPostgresDatabase();
  const a = new PostgresDb(database.url);
  const b = new PostgresDb(database.url);
  return {
    url: database.url,
    a,
    b,
    async drop() {
      await a.close();
      await b.close();
      await database.drop();
    },
  };
}

/** A fresh, empty database of the given kind (PGlite in memory). */
export async function createTestDb(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await PgliteDb.open(undefined);
    return { kind, db, drop: () => db.close() };
  }
  const pgdb = await createPostgresDatabase();
  const db = new PostgresDb(pgdb.url);
  return {
    kind,
    url: pgdb.url,
    db,
    async drop() {
      await db.close();
      await pgdb.drop();
    },
  };
}

/** Wraps a Db to count the queries made through it. */
export function countingDb(db: Db): Db & { queries: number } {
  const counter = Object.create(db) as Db & { queries: number };
  counter.queries = 0;
  counter.query = (sql: string, params?: unknown[]) => {
    counter.queries++;
    return db.query(sql, params);
  };
  return counter;
}
