import type { Logger } from 'pino';
import type { NotificationDelivery } from '../api/schemas.js';
import type { SecretBox } from '../auth/secret-key.js';
import type { Db } from '../db/db.js';
import { insertDelivery, type DestinationRow } from '../db/repos/notifications.js';
import type { EndpointHealth, HealthListener } from '../routing/health.js';
import { createSender } from './destination.js';
import { emitExpiringKeys } from './emit.js';
import { testEventType, type NotificationEvent } from './events.js';
import { enqueueNotification, notificationChannel } from './outbox.js';
import { sendTimeoutMs, type DeliveryResult, type NotificationSender } from './sender.js';

export interface DispatcherSettings {
  /** Attempts per event and destination before giving up. */
  maxAttempts: number;
  /** The first retry waits this long, each next one twice as long (up to 15 minutes). */
  retryBaseMs: number;
  stsEndpoint?: string;
  /** How often the outbox is looked at without a wake-up (retries, other replicas' crashes); default 5 s. */
  pollMs?: number;
}

/** Counts deliveries (metrics): by destination type and outcome. */
export interface DeliveryObserver {
  notificationDelivery(destinationType: string, status: NotificationDelivery['status']): void;
}

const batchSize = 20;
const maxBackoffMs = 15 * 60_000;
/** A claimed delivery is someone else's to retry after this long (its sender has timed out by then). */
const claimSeconds = Math.ceil((sendTimeoutMs * 3) / 1000);
const keyExpiryWindowMs = 7 * 86_400_000;
const hourlyMs = 3_600_000;
const historyDays = 30;

interface Claim {
  event_id: string;
  destination_id: string;
  attempts: number;
}

/**
 * Delivers queued notifications from the outbox, on every replica: each claims due deliveries
 * with FOR UPDATE SKIP LOCKED (so none is sent twice at once), sends them off the request path,
 * records each attempt and retries failures that may pass with exponential backoff. Also the
 * periodic check for keys about to expire, and the reporting of endpoint health changes.
 */
export class NotificationDispatcher implements HealthListener {
  private readonly senders = new Map<string, { version: number; sender: NotificationSender }>();
  private timers: NodeJS.Timeout[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private unlisten: (() => Promise<void>) | undefined;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Endpoint names for endpoint events (the circuit breaker knows ids). */
  endpointName: (id: string) => string = (id) => id;
  /** This replica's circuit breakers, to report recoveries another replica's outage report waits for. */
  health?: EndpointHealth;
  observer?: DeliveryObserver;

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly settings: DispatcherSettings,
    private readonly log?: Logger,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(notificationChannel, { onNotification: () => this.wake(), onReconnect: () => this.wake() });
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.settings.pollMs ?? 5_000, () => {
      this.wake();
      void this.checkRecoveries();
    });
    const hourly = () => void this.checkExpiringKeys().then(() => this.pruneHistory());
    every(hourlyMs, hourly);
    hourly();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.retryTimer);
    await this.unlisten?.();
    await this.draining;
  }

  /** Delivers what is due now, and again if more was queued meanwhile. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        try {
          while (!this.stopped && (await this.deliverDue()) > 0);
        } catch (err) {
          this.log?.warn({ err: (err as Error).message }, 'notification delivery round failed');
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.draining = undefined));
  }

  /** Resolves once the deliveries due now have been attempted (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** One batch: claimed, sent, recorded. Returns how many were claimed. */
  private async deliverDue(): Promise<number> {
    const { rows: claims } = await this.db.query<Claim>(
      `UPDATE notification_outbox o SET attempts = o.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
       FROM (SELECT event_id, destination_id FROM notification_outbox WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE o.event_id = due.event_id AND o.destination_id = due.destination_id
       RETURNING o.event_id, o.destination_id, o.attempts`,
      [batchSize, claimSeconds],
    );
    if (claims.length === 0) return 0;
    const events = await this.events(claims.map((c) => c.event_id));
    const { rows: destinations } = await this.db.query<DestinationRow>('SELECT * FROM notification_destinations WHERE id = ANY ($1::uuid[])', [
      [...new Set(claims.map((c) => c.destination_id))],
    ]);
    const byId = new Map(destinations.map((d) => [d.id, d]));
    await Promise.all(
      claims.map(async (c) => {
        const destination = byId.get(c.destination_id);
        const event = events.get(c.event_id);
        if (destination && event) await this.attempt(destination, event, c.attempts);
      }),
    );
    return claims.length;
  }

  private async events(ids: string[]): Promise<Map<string, NotificationEvent>> {
    const { rows } = await this.db.query<{ id: string; type: NotificationEvent['type']; occurred_at: Date; data: Record<string, unknown> }>(
      'SELECT id, type, occurred_at, data FROM notification_events WHERE id = ANY ($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { id: r.id, type: r.type, time: new Date(r.occurred_at).toISOString(), data: r.data }]));
  }

  /** One attempt of a queued delivery, and what becomes of it: done, retried later, or given up. */
  private async attempt(destination: DestinationRow, event: NotificationEvent, attempt: number): Promise<void> {
    const { result, durationMs } = await this.send(destination, event, this.sender(destination));
    const retry = !result.ok && result.retryable && attempt < this.settings.maxAttempts;
    const status = result.ok ? 'delivered' : retry ? 'retrying' : 'failed';
    const delayMs = Math.min(maxBackoffMs, Math.max(this.settings.retryBaseMs * 2 ** (attempt - 1), result.retryAfterMs ?? 0));
    await this.db.transaction(async (tx) => {
      const key = [event.id, destination.id];
      if (retry) await tx.query('UPDATE notification_outbox SET next_attempt_at = now() + make_interval(secs => $3) WHERE event_id = $1 AND destination_id = $2', [...key, delayMs / 1000]);
      else await tx.query('DELETE FROM notification_outbox WHERE event_id = $1 AND destination_id = $2', key);
      await insertDelivery(tx, { destinationId: destination.id, eventId: event.id, attempt, status, httpStatus: result.httpStatus, error: result.error, durationMs });
    });
    this.observer?.notificationDelivery(destination.type, status);
    if (status === 'failed') this.log?.warn({ destination: destination.name, event: event.type, attempt, error: result.error }, 'notification not delivered');
    if (retry) this.retryIn(delayMs);
  }

  /** Wakes for a retry due before the next poll (the earliest, when several are). */
  private retryIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.stopped || ms >= (this.settings.pollMs ?? 5_000) || (this.retryTimer && this.retryAt <= at)) return;
    clearTimeout(this.retryTimer);
    this.retryAt = at;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, ms);
    this.retryTimer.unref();
  }

  private async send(destination: DestinationRow, event: NotificationEvent, sender: NotificationSender | Error) {
    const started = Date.now();
    let result: DeliveryResult;
    if (sender instanceof Error) result = { ok: false, httpStatus: null, error: sender.message, retryable: false };
    else {
      try {
        result = await sender.send(event);
      } catch (err) {
        result = { ok: false, httpStatus: null, error: (err as Error).message, retryable: true };
      }
    }
    return { result, durationMs: Date.now() - started };
  }

  /** The destination's sender, rebuilt when the destination changed; an Error when it cannot be built. */
  private sender(destination: DestinationRow): NotificationSender | Error {
    const version = new Date(destination.updated_at).getTime();
    const cached = this.senders.get(destination.id);
    if (cached?.version === version) return cached.sender;
    try {
      const sender = createSender(destination, this.secrets, this.settings.stsEndpoint);
      this.senders.set(destination.id, { version, sender });
      return sender;
    } catch (err) {
      return err as Error;
    }
  }

  /** Sends a test event to one destination now, once, and records the attempt. */
  async sendTest(destination: DestinationRow): Promise<{ ok: boolean; event: NotificationEvent; delivery: NotificationDelivery }> {
    const data = { destination: destination.name, destination_id: destination.id, message: 'A test notification from ccag.' };
    const { rows } = await this.db.query<{ id: string; occurred_at: Date }>('INSERT INTO notification_events (type, data) VALUES ($1, $2) RETURNING id, occurred_at', [
      testEventType,
      JSON.stringify(data),
    ]);
    const event: NotificationEvent = { id: rows[0]!.id, type: testEventType, time: new Date(rows[0]!.occurred_at).toISOString(), data };
    const { result, durationMs } = await this.send(destination, event, this.sender(destination));
    const status = result.ok ? 'delivered' : 'failed';
    const delivery = await insertDelivery(this.db, { destinationId: destination.id, eventId: event.id, attempt: 1, status, httpStatus: result.httpStatus, error: result.error, durationMs });
    this.observer?.notificationDelivery(destination.type, status);
    return { ok: result.ok, event, delivery };
  }

  /** Queues key.expiring for keys expiring within 7 days; once per key however many replicas look. */
  async checkExpiringKeys(): Promise<number> {
    try {
      return await this.db.transaction((tx) => emitExpiringKeys(tx, keyExpiryWindowMs));
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'key expiry check failed');
      return 0;
    }
  }

  /**
   * Endpoints reported unhealthy (perhaps by a replica since gone) that this replica has seen
   * serve since: reported recovered, so the cluster's report does not stay down for ever.
   */
  async checkRecoveries(): Promise<void> {
    if (!this.health) return;
    try {
      const { rows } = await this.db.query<{ endpoint_id: string; model: string; changed_at: Date }>('SELECT endpoint_id, model, changed_at FROM endpoint_health_reports WHERE NOT healthy');
      for (const r of rows) if (this.health.servedSince(r.endpoint_id, r.model, new Date(r.changed_at).getTime())) this.healthChanged(r.endpoint_id, r.model, true, null);
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'endpoint recovery check failed');
    }
  }

  /** Events and their delivery history are kept 30 days, once nothing is left to deliver. */
  async pruneHistory(): Promise<void> {
    await this.db
      .query(
        `DELETE FROM notification_events e WHERE e.occurred_at < now() - make_interval(days => $1)
         AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.event_id = e.id)`,
        [historyDays],
      )
      .catch((err: Error) => this.log?.warn({ err: err.message }, 'notification history clean-up failed'));
  }

  /**
   * An endpoint's circuit opened or closed on this replica (HealthListener). Cluster-wide, the
   * first replica to see a change reports it; later replicas find it reported already.
   */
  healthChanged(endpointId: string, model: string, healthy: boolean, reason: string | null): void {
    void this.db
      .transaction(async (tx) => {
        const { rowCount } = healthy
          ? await tx.query('UPDATE endpoint_health_reports SET healthy = true, changed_at = now() WHERE endpoint_id = $1 AND model = $2 AND NOT healthy', [endpointId, model])
          : await tx.query(
              `INSERT INTO endpoint_health_reports (endpoint_id, model, healthy) VALUES ($1, $2, false)
               ON CONFLICT (endpoint_id, model) DO UPDATE SET healthy = false, changed_at = now() WHERE endpoint_health_reports.healthy`,
              [endpointId, model],
            );
        if (rowCount === 0) return;
        const data = { endpoint_id: endpointId, endpoint: this.endpointName(endpointId), model, ...(!healthy && { error: reason }) };
        await enqueueNotification(tx, healthy ? 'endpoint.recovered' : 'endpoint.unhealthy', data);
      })
      .catch((err: Error) => this.log?.warn({ err: err.message }, 'could not report an endpoint health change'));
  }
}

