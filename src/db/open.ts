import type { Logger } from 'pino';
import type { Config } from '../server/config.js';
import type { Db } from './db.js';
import { PgliteDb } from './pglite.js';
import { PostgresDb } from './postgres.js';

/** Opens the database the config names: Postgres (URL or PG* variables), else embedded PGlite. */
export async function openDb(config: Config, log?: Logger): Promise<Db> {
  if (config.databaseUrl || config.usePgEnv) {
    const db = new PostgresDb(config.databaseUrl, log);
    await db.query('SELECT 1');
    return db;
  }
  return PgliteDb.open(config.dataDir);
}
