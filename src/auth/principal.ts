import type { KeyScope, Role } from '../api/schemas.js';
import type { LimitSubject } from '../limits/rate-limiter.js';

/** Who is calling, as established by authentication. */
export interface Principal {
  /** A virtual key, a password login session, or a device sign-in's access token. */
  method: 'key' | 'session' | 'token';
  /** The user acting; null for a team's own key (CI keys with no person behind them). */
  userId: string | null;
  username: string | null;
  role: Role;
  /** The team that pays: the key's team, else the user's team. */
  teamId: string | null;
  /** What the credential may reach: inference routes only, or the admin API too. */
  scope: KeyScope;
  keyId?: string;
  keyPrefix?: string;
  sessionId?: string;
  /** The user's IdP and SCIM groups, lower-case (policies match on them); empty for a team key. */
  groups: string[];
  /** Models the key is limited to; null means any. */
  models: string[] | null;
  /** Epoch ms after which the credential no longer works. */
  expiresAt: number | null;
  /** Rate limits of the key, user and team this request counts against (only those with one). */
  limits: LimitSubject[];
}

export function describePrincipal(p: Principal): string {
  if (p.username) return p.method === 'key' ? `${p.username} (key ${p.keyPrefix})` : p.username;
  return `key ${p.keyPrefix}`;
}

interface LimitColumns {
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  concurrency_limit?: number | null;
}

/** The rate-limit subject for a key, user or team row, or nothing when it has no limit. */
export function limitSubject(id: string, row: LimitColumns): LimitSubject[] {
  const rpm = row.rpm_limit || null;
  const tpm = row.tpm_limit || null;
  const concurrency = row.concurrency_limit || null;
  return rpm || tpm || concurrency ? [{ id, rpm, tpm, concurrency }] : [];
}
