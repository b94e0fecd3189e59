import pg from 'pg';
import type { Logger } from 'pino';
import type { Db, ListenHandlers, PoolStats, Queryable, QueryResult } from './db.js';
import { classifyDbError, DatabaseUnreachableError } from './unreachable.js';

// Postgres returns bigint (int8) as text; spend and counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

const reconnectDelayMs = [100, 250, 500, 1000, 2000];
// A server that accepts no connection (down, or a network partition) fails a query within
// this, rather than holding it forever; below /ready's own deadline, so a probe sees it.
const connectTimeoutMs = 2_000;

/**
 * Postgres through a `pg` pool, plus one dedicated connection for LISTEN that reconnects
 * with backoff and tells listeners when it did (they may have missed notifications).
 */
export class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private listenClient: pg.Client | undefined;
  private readonly channels = new Map<string, Set<ListenHandlers>>();
  private closed = false;
  private connecting: Promise<void> | undefined;
  private _listening = false;
  private _unreachableSince: number | undefined;

  constructor(
    private readonly connectionString: string | undefined,
    private readonly log?: Logger,
    poolSize = 10,
  ) {
    this.pool = new pg.Pool({ connectionString, max: poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true });
    // An idle client dying (e.g. the server restarted) must not crash the process.
    this.pool.on('error', (err) => this.log?.warn({ err: err.message }, 'idle database connection lost'));
  }

  get listening(): boolean {
    return this._listening;
  }

  get unreachableSince(): number | undefined {
    return this._unreachableSince;
  }

  poolStats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount, max: this.pool.options.max ?? 10 };
  }

  async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    const result = await this.observe(this.pool.query(sql, params as unknown[]));
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.observe(this.pool.query(sql));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.observe(this.pool.connect());
    let broken = false;
    // A checked-out client has no pool listener: its connection dying between two queries
    // would otherwise be an uncaught 'error' event, which ends the process.
    const onError = (err: Error) => {
      broken = true;
      this.log?.warn({ err: err.message }, 'database connection lost during a transaction');
    };
    client.on('error', onError);
    try {
      await this.observe(client.query('BEGIN'));
      const tx: Queryable = {
        query: async <R>(sql: string, params?: unknown[]) => {
          const r = await this.observe(client.query(sql, params as unknown[]));
          return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
        },
        exec: async (sql: string) => {
          await this.observe(client.query(sql));
        },
      };
      const result = await fn(tx);
      await this.observe(client.query('COMMIT'));
      return result;
    } catch (err) {
      broken ||= err instanceof DatabaseUnreachableError;
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // A connection that failed is dropped, not handed to the next caller.
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>> {
    let set = this.channels.get(channel);
    const isNew = !set;
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(handlers);
    await this.ensureListenClient();
    if (isNew && this.listenClient) await this.listenClient.query(`LISTEN ${quoteIdent(channel)}`);
    return async () => {
      set!.delete(handlers);
      if (set!.size === 0) {
        this.channels.delete(channel);
        await this.listenClient?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      }
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.observe(this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]));
  }

  /** Tracks whether the server answers: the first connection failure starts an outage, any answer ends it. */
  private observe<T>(operation: Promise<T>): Promise<T> {
    return operation.then(
      (result) => {
        if (this._unreachableSince !== undefined) this.reachable();
        return result;
      },
      (err: unknown) => {
        const classified = classifyDbError(err);
        if (classified instanceof DatabaseUnreachableError && this._unreachableSince === undefined) {
          this._unreachableSince = Date.now();
          this.log?.warn({ err: (err as Error).message }, 'database unreachable: serving from caches for the outage grace period');
        }
        throw classified;
      },
    );
  }

  private reachable(): void {
    this.log?.info({ seconds: Math.round((Date.now() - this._unreachableSince!) / 1000) }, 'database reachable again');
    this._unreachableSince = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this._listening = false;
    const client = this.listenClient;
    this.listenClient = undefined;
    await client?.end().catch(() => undefined);
    await this.pool.end();
  }

  private ensureListenClient(): Promise<void> {
    if (this.listenClient) return Promise.resolve();
    this.connecting ??= this.connectListener(false).finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connectListener(isReconnect: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('error', (err) => this.log?.warn({ err: err.message }, 'notification connection error'));
    client.on('end', () => this.onListenerLost(client));
    client.on('notification', (msg) => {
      for (const h of this.channels.get(msg.channel) ?? []) h.onNotification(msg.payload ?? '');
    });
    await client.connect();
    for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.listenClient = client;
    this._listening = true;
    if (isReconnect) {
      this.log?.info('notification connection re-established');
      for (const set of this.channels.values()) for (const h of set) h.onReconnect?.();
    }
  }

  private onListenerLost(client: pg.Client): void {
    if (this.listenClient !== client || this.closed) return;
    this.listenClient = undefined;
    this._listening = false;
    this.log?.warn('notification connection lost; reconnecting');
    for (const set of this.channels.values()) for (const h of set) h.onDisconnect?.();
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      await new Promise((r) => setTimeout(r, reconnectDelayMs[Math.min(attempt, reconnectDelayMs.length - 1)]).unref());
      if (this.closed) return;
      try {
        await this.connectListener(true);
        return;
      } catch (err) {
        this.log?.debug({ err: (err as Error).message, attempt }, 'notification reconnect failed');
      }
    }
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
