import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { notificationEventTypes, type NotificationEvent } from '../../../src/notify/events.js';
import { webhookBody, webhookSignature } from '../../../src/notify/webhook.js';

const samples: Record<(typeof notificationEventTypes)[number], Record<string, unknown>> = {
  'budget.threshold': { scope: 'team', target: 'platform', period: 'monthly', pct: 80, amount_usd: 500, spent_usd: 401.2, period_end: '2027-01-01T00:00:00.000Z' },
  'budget.blocked': { scope: 'user', target: 'ann@example.com', period: 'daily', pct: 100, amount_usd: 20, spent_usd: 20.004, period_end: '2026-12-07T00:00:00.000Z' },
  'key.expiring': { key_name: 'ci', prefix: 'sk-ccag-AbC123', owner: 'team platform', expires_at: '2026-12-09T10:00:00.000Z' },
  'key.revoked': { key_name: 'laptop', prefix: 'sk-ccag-XyZ789', owner: 'ann@example.com', actor: 'admin' },
  'user.deactivated': { email: 'ann@example.com', username: 'ann@example.com', via: 'scim', actor: 'scim:okta' },
  'endpoint.unhealthy': { endpoint: 'us-a', model: 'claude-sonnet-4-5', error: 'ThrottlingException' },
  'endpoint.recovered': { endpoint: 'us-a', model: 'claude-sonnet-4-5' },
};

const event = (type: NotificationEvent['type'], data: Record<string, unknown>): NotificationEvent => ({ id: 'e1', type, time: '2026-12-06T09:00:00.000Z', data });

test('Slack bodies say what happened in one line, with names and dollars, for every event type', () => {
  const texts = notificationEventTypes.map((type) => JSON.parse(webhookBody(event(type, samples[type]), 'slack')).text as string);
  for (const text of texts) assert.doesNotMatch(text, /undefined|null|NaN|\[object/);
  assert.equal(texts[0], 'Budget threshold reached: the monthly budget of team platform ($500.00) is 80% used: $401.20 spent.');
  assert.equal(texts[4], 'User ann@example.com was deactivated (by the identity provider scim:okta).');
});

test('JSON bodies are the event; the signature is sha256= HMAC-SHA256 over "timestamp.body"', () => {
  const e = event('key.revoked', samples['key.revoked']);
  const body = webhookBody(e, 'json');
  assert.deepEqual(JSON.parse(body), e);
  const expected = createHmac('sha256', 'whsec_test').update(`1765000000.${body}`).digest('hex');
  assert.equal(webhookSignature('whsec_test', '1765000000', body), `sha256=${expected}`);
  assert.notEqual(webhookSignature('whsec_test', '1765000001', body), `sha256=${expected}`);
});
