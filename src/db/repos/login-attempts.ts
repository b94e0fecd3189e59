import type { Queryable } from '../db.js';

export async function recordLoginAttempt(db: Queryable, username: string, ip: string | undefined, succeeded: boolean): Promise<void> {
  await db.query('INSERT INTO login_attempts (username, ip, succeeded) VALUES ($1, $2, $3)', [username.toLowerCase(), ip ?? null, succeeded]);
}

/** Failed attempts for a username since its last success, within the window; and the oldest one's time. */
export async function recentFailures(db: Queryable, username: string, windowMs: number): Promise<{ count: number; oldest: Date | null }> {
  const { rows } = await db.query<{ count: number; oldest: Date | null }>(
    `SELECT count(*)::int AS count, min(at) AS oldest FROM login_attempts
     WHERE lower(username) = lower($1) AND NOT succeeded AND at > now() - $2 * interval '1 millisecond'
       AND at > COALESCE((SELECT max(at) FROM login_attempts WHERE lower(username) = lower($1) AND succeeded), '-infinity')`,
    [username, windowMs],
  );
  return rows[0]!;
}
