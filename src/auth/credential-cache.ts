import type { Logger } from 'pino';
import { unauthenticated } from '../api/errors.js';
import type { Role } from '../api/schemas.js';
import type { Db, Queryable } from '../db/db.js';
import type { OutageGrace } from '../db/outage-grace.js';
import { DatabaseUnreachableError } from '../db/unreachable.js';
import { findKeyCredential, type KeyCredentialRow } from '../db/repos/keys.js';
import { findDeviceSessionCredential } from '../db/repos/device-sessions.js';
import { findSessionCredential, type SessionCredentialRow } from '../db/repos/sessions.js';
import { AccessTokenError, looksLikeJwt, type AccessTokenSigner } from './access-token.js';
import { limitSubject, type Principal } from './principal.js';
import type { CallerColumns } from '../db/repos/users.js';
import { hashSecret } from './random-token.js';
import { isSessionToken } from './session-token.js';
import { isVirtualKey } from './virtual-key.js';

/** The NOTIFY channel every replica listens on for identity changes. */
export const authChannel = 'ccag_auth';

/** What changed: a key, a session, a user (and so all their keys and sessions), or everything. */
export type AuthChange = { kind: 'key' | 'session' | 'user' | 'team'; id: string } | { kind: 'all' };

interface Entry {
  /** The principal, or why the credential is refused. */
  principal?: Principal;
  refusal?: string;
  loadedAt: number;
  keyId?: string;
  sessionId?: string;
  userId?: string | null;
  teamIds: (string | null)[];
}

// Without notifications (the LISTEN connection is down) an entry is trusted this long, so a
// revocation still reaches every replica within 5 seconds.
const staleWithoutNotificationsMs = 4_000;
const maxRefusals = 10_000;
const sweepEvery = 1_000;

/**
 * Resolves credentials to principals from memory: a hit costs no database query. Entries are
 * dropped when any replica announces a change on `ccag_auth`, and all of them after the
 * notification connection reconnects (changes may have been missed meanwhile).
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private refusals = 0;
  private stores = 0;
  private unlisten: (() => Promise<void>) | undefined;
  /** Keys used since the last flush; written in batches by KeyUsageRecorder. */
  readonly usedKeyIds = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly log?: Logger,
    /** Verifies gateway access tokens (JWTs); without it they are refused. */
    private readonly accessTokens?: AccessTokenSigner,
    /** While the database is unreachable, cached entries are trusted only within its grace period. */
    private readonly outage?: OutageGrace,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(authChannel, {
      onNotification: (payload) => this.apply(parseChange(payload)),
      onReconnect: () => this.apply({ kind: 'all' }),
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  /**
   * Queues a change announcement inside a transaction: Postgres delivers it to every replica
   * when (and only if) the transaction commits. Call `forget` after the commit for this one.
   */
  async announceIn(tx: Queryable, change: AuthChange): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [authChannel, JSON.stringify(change)]);
  }

  /** Drops what a change affects from this replica's cache now, without waiting for the notification. */
  forget(change: AuthChange): void {
    this.apply(change);
  }

  /** The principal for a bearer credential, or an authentication_error. */
  async authenticate(credential: string): Promise<Principal> {
    const kind = credentialKind(credential);
    if (!kind) throw unauthenticated('invalid x-api-key: not a ccag key or token');
    const hash = hashSecret(credential);
    let entry = this.entries.get(hash);
    // During an outage known to be within its grace period the cache answers without asking.
    if (entry && this.isStale(entry) && !this.outage?.degraded) {
      try {
        entry = await this.load(kind, credential, hash);
        this.store(hash, entry);
      } catch (err) {
        // Database unreachable: a stale entry is better than refusing everyone, for the grace period.
        if (!(err instanceof DatabaseUnreachableError) || (this.outage && !this.outage.degraded)) throw err;
        this.log?.warn({ err: err.message }, 'credential refresh failed; using cached entry');
      }
    } else if (!entry) {
      entry = await this.load(kind, credential, hash);
      this.store(hash, entry);
    }
    const principal = this.check(entry);
    if (principal.keyId) this.usedKeyIds.add(principal.keyId);
    return principal;
  }

  private async load(kind: CredentialKind, credential: string, hash: string): Promise<Entry> {
    if (kind === 'key') return keyEntry(await findKeyCredential(this.db, hash));
    if (kind === 'session') return sessionEntry('session', await findSessionCredential(this.db, hash));
    if (!this.accessTokens) return refusal('access tokens are not accepted here');
    try {
      const claims = await this.accessTokens.verify(credential);
      const row = await findDeviceSessionCredential(this.db, claims.sid);
      if (row && row.user_id !== claims.sub) return refusal('invalid access token');
      const entry = sessionEntry('token', row);
      if (entry.principal) entry.principal.expiresAt = Math.min(entry.principal.expiresAt!, claims.expiresAt);
      return entry;
    } catch (err) {
      if (err instanceof AccessTokenError) return refusal(err.message);
      throw err;
    }
  }

  private check(entry: Entry): Principal {
    if (!entry.principal) throw unauthenticated(entry.refusal!);
    if (entry.principal.expiresAt !== null && entry.principal.expiresAt <= Date.now()) {
      throw unauthenticated(expiredMessage[entry.principal.method]);
    }
    return entry.principal;
  }

  private isStale(entry: Entry): boolean {
    return !this.db.listening && Date.now() - entry.loadedAt > staleWithoutNotificationsMs;
  }

  private store(hash: string, entry: Entry): void {
    // Access tokens are replaced every few minutes; the ones that expired are dropped now and then.
    if (++this.stores % sweepEvery === 0) this.dropExpired();
    if (!entry.principal) {
      // Unknown credentials are remembered too (a flood of bad keys must not reach the
      // database), but only so many of them.
      if (++this.refusals > maxRefusals) this.dropRefusals();
    }
    this.entries.set(hash, entry);
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [hash, e] of this.entries) if (e.principal?.expiresAt != null && e.principal.expiresAt <= now) this.entries.delete(hash);
  }

  private dropRefusals(): void {
    for (const [hash, e] of this.entries) if (!e.principal) this.entries.delete(hash);
    this.refusals = 0;
  }

  private apply(change: AuthChange | undefined): void {
    if (!change || change.kind === 'all') {
      this.entries.clear();
      this.refusals = 0;
      return;
    }
    for (const [hash, e] of this.entries) {
      const hit =
        (change.kind === 'key' && e.keyId === change.id) ||
        (change.kind === 'session' && e.sessionId === change.id) ||
        (change.kind === 'user' && e.userId === change.id) ||
        (change.kind === 'team' && e.teamIds.includes(change.id));
      if (hit) this.entries.delete(hash);
    }
  }
}

function parseChange(payload: string): AuthChange | undefined {
  try {
    return JSON.parse(payload) as AuthChange;
  } catch {
    return undefined;
  }
}

const invalidKey = 'invalid x-api-key';

function keyEntry(row: KeyCredentialRow | undefined): Entry {
  const loadedAt = Date.now();
  if (!row) return refusal(invalidKey);
  const base = { loadedAt, keyId: row.id, userId: row.user_id, teamIds: [row.team_id, row.user_team_id] };
  if (row.revoked_at) return { ...base, refusal: 'this API key has been revoked' };
  if (row.user_id && !row.user_active) return { ...base, refusal: "this API key's user is deactivated" };
  const teamId = row.team_id ?? row.user_team_id;
  return {
    ...base,
    principal: {
      method: 'key',
      userId: row.user_id,
      username: row.username,
      role: (row.role as Role | null) ?? 'member',
      teamId,
      scope: row.scope,
      keyId: row.id,
      keyPrefix: row.prefix,
      groups: row.groups ?? [],
      models: row.models,
      expiresAt: row.expires_at ? new Date(row.expires_at).getTime() : null,
      limits: [
        ...limitSubject(`key:${row.id}`, { rpm_limit: row.key_rpm, tpm_limit: row.key_tpm, concurrency_limit: row.key_concurrency }),
        ...callerLimits(row, row.user_id, teamId),
      ],
    },
  };
}

const expiredMessage: Record<Principal['method'], string> = {
  key: 'this API key has expired',
  session: 'this session has expired; log in again',
  token: 'access token expired; get a new one with `ccag token`',
};

type CredentialKind = 'key' | 'session' | 'token';

function credentialKind(credential: string): CredentialKind | undefined {
  if (isVirtualKey(credential)) return 'key';
  if (isSessionToken(credential)) return 'session';
  if (looksLikeJwt(credential)) return 'token';
  return undefined;
}

function refusal(message: string): Entry {
  return { refusal: message, loadedAt: Date.now(), teamIds: [] };
}

/** A login session (ccag-sess-…) or a signed-in device's access token: both act as the user. */
function sessionEntry(method: 'session' | 'token', row: SessionCredentialRow | undefined): Entry {
  const ended = method === 'session' ? 'log in again' : 'run `ccag connect` again';
  if (!row) return refusal(method === 'session' ? 'invalid or expired session; log in again' : `this sign-in no longer exists; ${ended}`);
  const base = { loadedAt: Date.now(), sessionId: row.id, userId: row.user_id, teamIds: [row.team_id] };
  if (row.revoked_at) return { ...base, refusal: `this ${method === 'session' ? 'session' : 'sign-in'} has ended; ${ended}` };
  if (!row.active) return { ...base, refusal: 'this user is deactivated' };
  return {
    ...base,
    principal: {
      method,
      userId: row.user_id,
      username: row.username,
      role: row.role as Role,
      teamId: row.team_id,
      scope: 'admin',
      sessionId: row.id,
      groups: row.groups ?? [],
      models: null,
      expiresAt: new Date(row.expires_at).getTime(),
      limits: [
        ...callerLimits(row, row.user_id, row.team_id),
      ],
    },
  };
}

/** The rate limits of the user and the paying team a credential counts against (those that have one). */
function callerLimits(row: CallerColumns, userId: string | null, teamId: string | null) {
  return [
    ...(userId ? limitSubject(`user:${userId}`, { rpm_limit: row.user_rpm, tpm_limit: row.user_tpm, concurrency_limit: row.user_concurrency }) : []),
    ...(teamId ? limitSubject(`team:${teamId}`, { rpm_limit: row.team_rpm, tpm_limit: row.team_tpm, concurrency_limit: row.team_concurrency }) : []),
  ];
}
