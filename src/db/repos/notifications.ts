import type { NotificationDelivery } from '../../api/schemas.js';
import type { Queryable } from '../db.js';
import { cursorAtSql, iso, isUuid, toPage, type Cursor } from './page.js';

export interface DestinationRow {
  id: string;
  name: string;
  type: 'webhook' | 'sns' | 'eventbridge';
  events: string[];
  enabled: boolean;
  url: string | null;
  format: 'json' | 'slack';
  signing_secret_sealed: string | null;
  allow_private: boolean;
  topic_arn: string | null;
  event_bus: string | null;
  region: string | null;
  role_arn: string | null;
  external_id: string | null;
  endpoint_url: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The columns an admin sets (all but ids and timestamps). */
export type DestinationFields = Omit<DestinationRow, 'id' | 'created_at' | 'updated_at'>;
const columns = ['name', 'type', 'events', 'enabled', 'url', 'format', 'signing_secret_sealed', 'allow_private', 'topic_arn', 'event_bus', 'region', 'role_arn', 'external_id', 'endpoint_url'] as const;
const values = (f: DestinationFields) => columns.map((c) => f[c]);

export async function listDestinations(db: Queryable): Promise<DestinationRow[]> {
  const { rows } = await db.query<DestinationRow>('SELECT * FROM notification_destinations ORDER BY lower(name)');
  return rows;
}

/** By id or by name (case-insensitive). */
export async function findDestination(db: Queryable, idOrName: string): Promise<DestinationRow | undefined> {
  const { rows } = isUuid(idOrName)
    ? await db.query<DestinationRow>('SELECT * FROM notification_destinations WHERE id = $1', [idOrName])
    : await db.query<DestinationRow>('SELECT * FROM notification_destinations WHERE lower(name) = lower($1)', [idOrName]);
  return rows[0];
}

export async function insertDestination(db: Queryable, f: DestinationFields): Promise<DestinationRow> {
  const { rows } = await db.query<DestinationRow>(
    `INSERT INTO notification_destinations (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
    values(f),
  );
  return rows[0]!;
}

export async function updateDestination(db: Queryable, id: string, f: DestinationFields): Promise<DestinationRow> {
  const { rows } = await db.query<DestinationRow>(
    `UPDATE notification_destinations SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')}, updated_at = now() WHERE id = $${columns.length + 1} RETURNING *`,
    [...values(f), id],
  );
  return rows[0]!;
}

/** Its pending deliveries and delivery history go with it (ON DELETE CASCADE). */
export async function deleteDestination(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM notification_destinations WHERE id = $1', [id]);
}

export interface DeliveryRecord {
  destinationId: string;
  eventId: string;
  attempt: number;
  status: NotificationDelivery['status'];
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

interface DeliveryRow extends Omit<NotificationDelivery, 'at'> {
  at: Date;
  cursor_at: string;
}

const deliverySelect = `SELECT d.id, d.destination_id, n.name AS destination, d.event_id, e.type AS event_type, d.attempt, d.status, d.http_status, d.error, d.duration_ms, d.at, ${cursorAtSql('d.at')}
  FROM notification_deliveries d JOIN notification_destinations n ON n.id = d.destination_id JOIN notification_events e ON e.id = d.event_id`;
const toDelivery = ({ cursor_at: _c, ...r }: DeliveryRow): NotificationDelivery => ({ ...r, at: iso(r.at)! });

export async function insertDelivery(db: Queryable, r: DeliveryRecord): Promise<NotificationDelivery> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO notification_deliveries (destination_id, event_id, attempt, status, http_status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [r.destinationId, r.eventId, r.attempt, r.status, r.httpStatus, r.error, r.durationMs],
  );
  const found = await db.query<DeliveryRow>(`${deliverySelect} WHERE d.id = $1`, [rows[0]!.id]);
  return toDelivery(found.rows[0]!);
}

/** A destination's delivery attempts, newest first. */
export async function listDeliveries(db: Queryable, destinationId: string, opts: { limit: number; after?: Cursor; status?: string }) {
  const { rows } = await db.query<DeliveryRow>(
    `${deliverySelect} WHERE d.destination_id = $1 AND ($2::timestamptz IS NULL OR (d.at, d.id) < ($2::timestamptz, $3::uuid)) AND ($4::text IS NULL OR d.status = $4)
     ORDER BY d.at DESC, d.id DESC LIMIT $5`,
    [destinationId, opts.after?.at ?? null, opts.after?.id ?? null, opts.status ?? null, opts.limit + 1],
  );
  return toPage(rows, opts.limit, toDelivery, (r) => ({ at: r.cursor_at, id: r.id }));
}
