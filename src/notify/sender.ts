import type { NotificationEvent } from './events.js';

/** How one delivery attempt went. Errors name what failed, never a secret. */
export interface DeliveryResult {
  ok: boolean;
  /** The destination's HTTP status, when it answered. */
  httpStatus: number | null;
  error: string | null;
  /** Whether another attempt may help (network errors, 5xx, 429, throttling). */
  retryable: boolean;
  /** The destination asked to wait this long (Retry-After). */
  retryAfterMs?: number;
}

/** Sends events to one destination: a webhook, an SNS topic or an EventBridge bus. */
export interface NotificationSender {
  send(event: NotificationEvent): Promise<DeliveryResult>;
}

/** Per attempt; the outbox's claim on a delivery lasts longer than this. */
export const sendTimeoutMs = 10_000;

export const delivered = (httpStatus: number | null): DeliveryResult => ({ ok: true, httpStatus, error: null, retryable: false });
