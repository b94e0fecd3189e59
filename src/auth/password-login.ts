import { rateLimited, unauthenticated } from '../api/errors.js';
import type { Db } from '../db/db.js';
import { recentFailures, recordLoginAttempt } from '../db/repos/login-attempts.js';
import { insertSession } from '../db/repos/sessions.js';
import { findUser, type UserRow } from '../db/repos/users.js';
import { dummyPasswordHash, verifyPassword } from './password.js';
import { generateSessionToken } from './session-token.js';

/** After this many failures in the window, a username is locked until the window passes. */
export const maxFailedLogins = 5;
export const failedLoginWindowMs = 15 * 60_000;

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: UserRow;
}

/**
 * Password sign-in: checks the lockout (shared by all replicas through the database), the
 * password (scrypt, constant work whether or not the user exists), and opens a session.
 */
export async function passwordLogin(
  db: Db,
  input: { username: string; password: string; ip?: string; userAgent?: string; sessionMaxAgeMs: number },
): Promise<LoginResult> {
  const failures = await recentFailures(db, input.username, failedLoginWindowMs);
  if (failures.count >= maxFailedLogins) {
    const retryMs = new Date(failures.oldest!).getTime() + failedLoginWindowMs - Date.now();
    throw rateLimited(`too many failed logins for ${input.username}; try again in ${Math.ceil(retryMs / 60_000)} minutes`, retryMs / 1000);
  }
  const user = await findUser(db, input.username);
  const ok = await verifyPassword(input.password, user?.password_hash ?? dummyPasswordHash);
  if (!user || !ok || !user.password_hash) {
    await recordLoginAttempt(db, input.username, input.ip, false);
    throw unauthenticated('wrong username or password');
  }
  if (!user.active) {
    await recordLoginAttempt(db, input.username, input.ip, false);
    throw unauthenticated('this user is deactivated');
  }
  const { token, hash } = generateSessionToken();
  const expiresAt = new Date(Date.now() + input.sessionMaxAgeMs);
  await db.transaction(async (tx) => {
    await insertSession(tx, { hash, userId: user.id, expiresAt, userAgent: input.userAgent, ip: input.ip });
    await tx.query('UPDATE users SET last_login_at = now() WHERE id = $1', [user.id]);
    await recordLoginAttempt(tx, input.username, input.ip, true);
  });
  return { token, expiresAt, user };
}
