import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Script } from '../../../src/emulator/index.js';
import { emulatorCredentials } from '../../../src/emulator/index.js';
import { startEventBridgeLoopback, startSnsLoopback, type AwsLoopback, type EventBridgeEntry, type SnsMessage } from '../../helpers/aws-notification-targets.js';
import { eventually, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';
import { startLoopback, type Loopback } from '../websearch/loopback.js';

// Every call costs exactly what the gateway reserves for it (see limits/budgets.test.ts): a budget of
// exactly one call's cost lets one call through, and that call crosses both 80% (notify) and 100% (block).
const maxTokens = 200;
const body = { model: 'claude-opus-4-1', max_tokens: maxTokens, messages: [{ role: 'user', content: 'x'.repeat(2900) }] };
const inputTokens = Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 3);
const callCostMicros = inputTokens * 15 + maxTokens * 75;
const script: Script = { kind: 'message', blocks: [{ type: 'text', text: 'done' }], usage: { input_tokens: inputTokens, output_tokens: maxTokens } };

const env = useInferenceRig('pglite', { emulator: { script: () => script } });
const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${env.rig.gw.url}/admin/v1${path}`, { token: env.rig.admin, ...init });

let webhook: Loopback;
let sns: AwsLoopback<SnsMessage>;
let bus: AwsLoopback<EventBridgeEntry>;

before(async () => {
  webhook = await startLoopback();
  webhook.reply({ status: 204 });
  sns = await startSnsLoopback();
  bus = await startEventBridgeLoopback();
});
after(async () => {
  await webhook.close();
  await sns.close();
  await bus.close();
});

/** What a receiver does: HMAC-SHA256 under the secret over `${timestamp}.${body}`, compared in constant time. */
function verifySignature(secret: string, headers: Record<string, unknown>, rawBody: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${headers['x-ccag-timestamp']}.${rawBody}`).digest('hex')}`);
  const given = Buffer.from(String(headers['x-ccag-signature']));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

test('a budget crossed by real inference requests is told to a webhook (signed), an SNS topic and an EventBridge bus', async () => {
  const budgetEvents = ['budget.threshold', 'budget.blocked'];
  const hook = await api('/notifications', { method: 'POST', body: { name: 'ops-hook', type: 'webhook', url: `${webhook.url}/ccag`, allow_private: true, events: budgetEvents } });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  assert.match(hook.body.signing_secret, /^whsec_\w{40,}$/);
  assert.equal(hook.body.has_signing_secret, true);
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:ccag-alerts';
  const topic = await api('/notifications', { method: 'POST', body: { name: 'ops-sns', type: 'sns', topic_arn: topicArn, endpoint_url: sns.url, events: budgetEvents } });
  assert.equal(topic.status, 201, JSON.stringify(topic.body));
  assert.equal(topic.body.region, 'us-east-1', "the topic ARN's region");
  assert.equal(topic.body.signing_secret, undefined);
  const eb = await api('/notifications', { method: 'POST', body: { name: 'ops-bus', type: 'eventbridge', event_bus: 'ccag-bus', region: 'us-east-1', endpoint_url: bus.url, events: budgetEvents } });
  assert.equal(eb.status, 201, JSON.stringify(eb.body));
  // The secret is shown once: not by show or list.
  assert.equal((await api('/notifications/ops-hook')).body.signing_secret, undefined);
  assert.ok(!JSON.stringify((await api('/notifications')).body).includes(hook.body.signing_secret));

  await api('/users', { method: 'POST', body: { email: 'spender@x.io' } });
  const key = (await api('/keys', { method: 'POST', body: { name: 'spender', user: 'spender@x.io' } })).body.key;
  const set = await api('/budgets', { method: 'PUT', body: { scope: 'user', target: 'spender@x.io', amount_usd: callCostMicros / 1e6, period: 'monthly' } });
  assert.equal(set.status, 200, JSON.stringify(set.body));

  const ask = () => http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: key, body });
  assert.equal((await ask()).status, 200);
  // Spend is written in batches; the crossing is seen once it is settled, and delivered after.
  assert.ok(await eventually(async () => webhook.requests.length >= 2 && sns.received.length >= 2 && bus.received.length >= 2, 15_000), 'every destination got both events');
  assert.equal((await ask()).status, 429, 'the budget blocks now');

  // Webhook: signed JSON, verified as a receiver would.
  for (const r of webhook.requests) {
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/ccag');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.ok(verifySignature(hook.body.signing_secret, r.headers, r.body), 'valid signature');
    assert.ok(!verifySignature('whsec_wrong', r.headers, r.body));
    assert.ok(Math.abs(Number(r.headers['x-ccag-timestamp']) - Date.now() / 1000) < 300);
  }
  const events = webhook.requests.map((r) => JSON.parse(r.body));
  assert.deepEqual(events.map((e) => e.type).sort(), ['budget.blocked', 'budget.threshold']);
  const threshold = events.find((e) => e.type === 'budget.threshold');
  assert.deepEqual(Object.keys(threshold).sort(), ['data', 'id', 'time', 'type']);
  assert.match(threshold.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(webhook.requests.find((r) => JSON.parse(r.body).type === 'budget.threshold')!.headers['x-ccag-event-id'], threshold.id);
  assert.deepEqual(
    { ...threshold.data, budget_id: undefined, target_id: undefined, period_start: undefined, period_end: undefined },
    { budget_id: undefined, target_id: undefined, period_start: undefined, period_end: undefined, scope: 'user', target: 'spender@x.io', period: 'monthly', pct: 80, amount_usd: callCostMicros / 1e6, spent_usd: callCostMicros / 1e6 },
  );
  assert.equal(threshold.data.budget_id, set.body.id);
  assert.equal(events.find((e) => e.type === 'budget.blocked').data.pct, 100);

  // SNS: the event as the message, its type as a message attribute, signed with the gateway's AWS identity.
  assert.deepEqual(sns.received.map((m) => JSON.parse(m.message).type).sort(), ['budget.blocked', 'budget.threshold']);
  for (const m of sns.received) {
    assert.equal(m.topicArn, topicArn);
    assert.equal(m.attributes.event_type, JSON.parse(m.message).type);
    assert.equal(m.subject, `ccag ${JSON.parse(m.message).type}`);
    assert.equal(m.accessKeyId, emulatorCredentials.accessKeyId);
  }
  assert.deepEqual(JSON.parse(sns.received.find((m) => m.attributes.event_type === 'budget.threshold')!.message), threshold, 'the same event everywhere');

  // EventBridge: source ccag, detail-type the event type, detail the event.
  assert.deepEqual(bus.received.map((e) => e.detailType).sort(), ['budget.blocked', 'budget.threshold']);
  for (const e of bus.received) {
    assert.equal(e.source, 'ccag');
    assert.equal(e.eventBusName, 'ccag-bus');
    assert.equal(JSON.parse(e.detail).type, e.detailType);
  }

  // Each attempt is recorded, and counted by destination type.
  for (const name of ['ops-hook', 'ops-sns', 'ops-bus']) {
    const deliveries = await api(`/notifications/${name}/deliveries`);
    assert.equal(deliveries.status, 200);
    assert.deepEqual(deliveries.body.data.map((d: any) => [d.destination, d.status, d.attempt]), [[name, 'delivered', 1], [name, 'delivered', 1]]);
    assert.equal(deliveries.body.next_cursor, null);
  }
  const metrics = await http(`${env.rig.gw.url}/metrics`);
  for (const type of ['webhook', 'sns', 'eventbridge']) assert.match(metrics.body, new RegExp(`ccag_notification_deliveries_total\\{destination_type="${type}",outcome="delivered"\\} 2`));

  // Crossing again in the same period tells nobody again.
  assert.equal((await api('/budgets', { method: 'PUT', body: { scope: 'user', target: 'spender@x.io', amount_usd: 100, period: 'monthly' } })).status, 200);
  assert.equal((await ask()).status, 200);
  await env.rig.gw.gateway.inference.requestLog.flush();
  await env.rig.gw.gateway.notifications.idle();
  assert.equal(webhook.requests.length, 2);
  assert.ok(!env.rig.gw.logs().includes(hook.body.signing_secret), 'the secret is never logged');
});
