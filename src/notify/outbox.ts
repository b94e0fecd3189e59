import type { Queryable } from '../db/db.js';
import type { NotificationEventType } from './events.js';

/** Replicas wake each other's dispatchers through this channel when an event is queued. */
export const notificationChannel = 'ccag_notifications';

/**
 * Records an event and queues one delivery for every enabled destination that receives its type,
 * in the caller's transaction: the event exists exactly when the change it reports does, and a
 * crash before delivery loses nothing. With a dedupe key, only the first of several replicas
 * noticing the same thing records it. Returns the event id, or undefined when deduplicated.
 */
export async function enqueueNotification(tx: Queryable, type: NotificationEventType, data: Record<string, unknown>, dedupeKey?: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO notification_events (type, data, dedupe_key) VALUES ($1, $2, $3) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id',
    [type, JSON.stringify(data), dedupeKey ?? null],
  );
  const id = rows[0]?.id;
  if (!id) return undefined;
  const queued = await tx.query(
    'INSERT INTO notification_outbox (event_id, destination_id) SELECT $1, id FROM notification_destinations WHERE enabled AND $2 = ANY (events)',
    [id, type],
  );
  if (queued.rowCount > 0) await tx.query('SELECT pg_notify($1, $2)', [notificationChannel, id]);
  return id;
}
