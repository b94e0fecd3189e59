import { PGlite } from '@electric-sql/pglite';
import type { Db, ListenHandlers, Queryable, QueryResult } from './db.js';
import { lockDataDir } from './data-dir-lock.js';

/** The embedded database: PGlite (Postgres compiled to WebAssembly) in a locked folder. */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly listening = true;

  private constructor(
    private readonly pg: PGlite,
    private readonly release: () => void,
  ) {}

  /** Opens (creating if needed) the database in `dir`, or in memory when dir is undefined. */
  static async open(dir: string | undefined): Promise<PgliteDb> {
    const release = dir ? lockDataDir(dir) : () => undefined;
    try {
      const pg = await PGlite.create(dir ? `${dir}/pgdata` : 'memory://');
      return new PgliteDb(pg, release);
    } catch (err) {
      release();
      throw err;
    }
  }

  async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const r = await this.pg.query<T>(sql, params as unknown[]);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (t) =>
      fn({
        query: async <R>(sql: string, params?: unknown[]) => {
          const r = await t.query<R>(sql, params as unknown[]);
          return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
        },
        exec: async (sql: string) => {
          await t.exec(sql);
        },
      }),
    );
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>> {
    return this.pg.listen(channel, handlers.onNotification);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.pg.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async close(): Promise<void> {
    try {
      await this.pg.close();
    } finally {
      this.release();
    }
  }
}
