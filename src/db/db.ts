/** The database as the rest of ccag sees it: Postgres through `pg`, or embedded PGlite. */

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type NotificationHandler = (payload: string) => void;

export interface ListenHandlers {
  onNotification: NotificationHandler;
  /** Called after the listening connection was lost and re-established: notifications may have been missed. */
  onReconnect?: () => void;
  /** Called when the listening connection is lost. */
  onDisconnect?: () => void;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to a NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  /** True while notifications are being received. */
  readonly listening: boolean;
  /**
   * Since when (epoch ms) the server has not answered: connection refused, lost or timed out
   * (Postgres); undefined while it answers. The embedded database is never unreachable.
   */
  readonly unreachableSince?: number;
  /** Connections of the pool (Postgres); the embedded database has none. */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  /** Connections open, idle among them, and queries waiting for one; max: the pool's size. */
  total: number;
  idle: number;
  waiting: number;
  max: number;
}
