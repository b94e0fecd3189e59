import { rateLimited, unauthenticated } from '../api/errors.js';
import type { Db, Queryable } from '../db/db.js';
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
 * Checks a password sign-in: the lockout (shared by all replicas through the database) and the
 * password (scrypt, constant work whether or not the user exists). Records the attempt.
 */
export async function verifyPasswordLogin(db: Queryable, input: { username: string; password: string; ip?: string }): Promise<UserRow> {
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
  await recordLoginAttempt(db, input.username, input.ip, true);
  return user;
}

/** Password sign-in that opens a login session. */
export async function passwordLogin(
  db: Db,
  input: { username: string; password: string; ip?: string; userAgent?: string; sessionMaxAgeMs: number },
): Promise<LoginResult> {
  const user = await verifyPasswordLogin(db, input);
  return { ...(await openSession(db, user.id, input)), user };
}

/** A login session for a user (password or SSO sign-in): the token is returned once, stored hashed. */
export async function openSession(
  db: Db,
  userId: string,
  o: { ip?: string; userAgent?: string; sessionMaxAgeMs: number },
): Promise<{ token: string; expiresAt: Date }> {
  const { token, hash } = generateSessionToken();
  const expiresAt = new Date(Date.now() + o.sessionMaxAgeMs);
  await db.transaction(async (tx) => {
    await insertSession(tx, { hash, userId, expiresAt, userAgent: o.userAgent, ip: o.ip });
    await tx.query('UPDATE users SET last_login_at = now() WHERE id = $1', [userId]);
  });
  return { token, expiresAt };
}
