import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../db/db.js';
import { hashPassword } from './password.js';

export const bootstrapUsername = 'admin';

/**
 * Creates the bootstrap admin `admin` the first time the gateway starts on an empty
 * database, with CCAG_ADMIN_PASSWORD or a generated password written to
 * `<data-dir>/initial-admin-password` (0600). The log names the file, never the password.
 */
export async function ensureBootstrapAdmin(db: Db, opts: { adminPassword?: string; dataDir: string; log: Logger }): Promise<void> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE lower(username) = $1`, [bootstrapUsername]);
  if (rows[0]!.n > 0) return;
  const password = opts.adminPassword ?? randomBytes(18).toString('base64url');
  const created = await db.query(
    `INSERT INTO users (username, role, password_hash) VALUES ($1, 'admin', $2) ON CONFLICT DO NOTHING RETURNING id`,
    [bootstrapUsername, await hashPassword(password)],
  );
  if (created.rowCount === 0) return; // another replica created it first
  if (opts.adminPassword) {
    opts.log.info('created the admin user "admin" with the password from CCAG_ADMIN_PASSWORD');
    return;
  }
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const file = join(opts.dataDir, 'initial-admin-password');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  opts.log.info({ file }, `created the admin user "admin"; its password is in ${file}`);
  if (process.stderr.isTTY) {
    process.stderr.write(`\n  Admin user: admin\n  Password:   ${password}\n  Sign in:    ccag login --username admin\n\n`);
  }
}
