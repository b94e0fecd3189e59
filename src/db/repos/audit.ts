import type { AuditEntry } from '../../api/schemas.js';
import type { Queryable } from '../db.js';
import { cursorAtSql, iso, toPage, type Cursor } from './page.js';

export interface AuditRecord {
  actorUserId: string | null;
  actorKeyId: string | null;
  actor: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
  requestId: string | null;
  ip: string | null;
}

// Never stored in the audit trail, whatever object is being recorded.
const secretFields = new Set(['password', 'password_hash', 'key', 'key_hash', 'token', 'token_hash', 'secret', 'client_secret', 'api_key', 'api_key_sealed', 'signing_secret', 'signing_secret_sealed']);

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, secretFields.has(k) ? '[redacted]' : redactSecrets(v)]),
    );
  }
  return value;
}

export async function insertAudit(db: Queryable, r: AuditRecord): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_user_id, actor_key_id, actor, action, target_type, target_id, before, after, request_id, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      r.actorUserId,
      r.actorKeyId,
      r.actor,
      r.action,
      r.targetType,
      r.targetId,
      r.before === undefined ? null : JSON.stringify(redactSecrets(r.before)),
      r.after === undefined ? null : JSON.stringify(redactSecrets(r.after)),
      r.requestId,
      r.ip,
    ],
  );
}

interface AuditRow {
  id: number;
  at: Date;
  actor: string | null;
  actor_user_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
  ip: string | null;
  cursor_at: string;
}

const toAuditEntry = ({ cursor_at: _c, ...r }: AuditRow): AuditEntry => ({ ...r, id: String(r.id), at: iso(r.at)! });

export interface AuditFilter {
  since?: string;
  until?: string;
  action?: string;
  actor?: string;
  target_type?: string;
  target_id?: string;
}

export async function listAudit(db: Queryable, opts: { limit: number; after?: Cursor } & AuditFilter) {
  const actionPrefix = opts.action?.endsWith('.*') ? opts.action.slice(0, -1) : undefined;
  const { rows } = await db.query<AuditRow>(
    `SELECT id, at, ${cursorAtSql('at')}, actor, actor_user_id, action, target_type, target_id, before, after, request_id, ip FROM audit_log
     WHERE ($1::timestamptz IS NULL OR (at, id) > ($1::timestamptz, $2::bigint))
       AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
       AND ($5::text IS NULL OR action = $5) AND ($6::text IS NULL OR starts_with(action, $6))
       AND ($7::text IS NULL OR strpos(lower(actor), lower($7)) > 0)
       AND ($8::text IS NULL OR target_type = $8) AND ($9::text IS NULL OR target_id = $9)
     ORDER BY at, id LIMIT $10`,
    [
      opts.after?.at ?? null,
      opts.after?.id ?? null,
      opts.since ?? null,
      opts.until ?? null,
      actionPrefix ? null : (opts.action ?? null),
      actionPrefix ?? null,
      opts.actor ?? null,
      opts.target_type ?? null,
      opts.target_id ?? null,
      opts.limit + 1,
    ],
  );
  return toPage(rows, opts.limit, toAuditEntry, (r) => ({ at: r.cursor_at, id: String(r.id) }));
}
