/**
 * What ccag notifies about. Every event is `{id, type, time, data}`: `time` is RFC 3339 (UTC),
 * `data` holds ids, names and amounts in USD, never a secret. docs/notifications.md lists the
 * fields of each type.
 */
export const notificationEventTypes = [
  'budget.threshold',
  'budget.blocked',
  'key.expiring',
  'key.revoked',
  'user.deactivated',
  'endpoint.unhealthy',
  'endpoint.recovered',
] as const;
export type NotificationEventType = (typeof notificationEventTypes)[number];

/** What `POST /admin/v1/notifications/:ref/test` sends; no destination subscribes to it. */
export const testEventType = 'notification.test';

export interface NotificationEvent {
  id: string;
  type: NotificationEventType | typeof testEventType;
  time: string;
  data: Record<string, unknown>;
}

const usd = (v: unknown) => `$${Number(v).toFixed(2)}`;

/** One line for people (Slack): what happened, with names rather than ids. */
export function describeEvent(e: NotificationEvent): string {
  const d = e.data as Record<string, string | number | null>;
  switch (e.type) {
    case 'budget.threshold':
      return `Budget threshold reached: the ${d.period} budget of ${d.scope} ${d.target} (${usd(d.amount_usd)}) is ${d.pct}% used: ${usd(d.spent_usd)} spent.`;
    case 'budget.blocked':
      return `Budget used up: the ${d.period} budget of ${d.scope} ${d.target} (${usd(d.amount_usd)}) reached ${d.pct}% (${usd(d.spent_usd)} spent); its requests are refused until ${d.period_end}.`;
    case 'key.expiring':
      return `API key ${d.key_name} (${d.prefix}) of ${d.owner} expires at ${d.expires_at}.`;
    case 'key.revoked':
      return `API key ${d.key_name} (${d.prefix}) of ${d.owner} was revoked by ${d.actor ?? 'the gateway'}.`;
    case 'user.deactivated':
      return `User ${d.email ?? d.username} was deactivated (${d.via === 'scim' ? `by the identity provider ${d.actor}` : `by ${d.actor}`}).`;
    case 'endpoint.unhealthy':
      return `Endpoint ${d.endpoint} is out of rotation for ${d.model}: ${d.error}.`;
    case 'endpoint.recovered':
      return `Endpoint ${d.endpoint} serves ${d.model} again.`;
    case testEventType:
      return `Test notification from ccag to ${d.destination}: it works.`;
  }
}
