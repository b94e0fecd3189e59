import pg from 'pg';

/**
 * The database could not be reached (connection refused, lost or timed out), as opposed to
 * a query it refused. Callers that can serve from memory do so for the outage grace period.
 */
export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
  constructor(cause: Error) {
    super(`database unreachable: ${cause.message}`, { cause });
  }
}

// SQLSTATE classes of a server going away: connection exceptions, and admin/crash shutdown.
const goneSqlState = /^(08|57P0[1-3])/;
// What `pg` and node:net throw when there is no server to talk to.
const connectionFailure = /Connection terminated|timeout exceeded when trying to connect|connection error|not queryable|ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND/;

/** Rethrows a connection-level failure as DatabaseUnreachableError; anything else unchanged. */
export function classifyDbError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof DatabaseUnreachableError) return err;
  if (err instanceof pg.DatabaseError) return goneSqlState.test(err.code ?? '') ? new DatabaseUnreachableError(err) : err;
  const code = (err as { code?: unknown }).code;
  if ((typeof code === 'string' && connectionFailure.test(code)) || connectionFailure.test(err.message)) return new DatabaseUnreachableError(err);
  return err;
}
