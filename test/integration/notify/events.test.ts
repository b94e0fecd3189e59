import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSnsLoopback, type AwsLoopback, type SnsMessage } from '../../helpers/aws-notification-targets.js';
import { eventually, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';
import { startLoopback, type Loopback } from '../websearch/loopback.js';

// Retries 50 ms, 100 ms, … apart, three attempts in all.
const env = useInferenceRig('pglite', { gateway: { notify: { maxAttempts: 3, retryBaseMs: 50 } } });
const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${env.rig.gw.url}/admin/v1${path}`, { token: env.rig.admin, ...init });

let flaky: Loopback;
let rejecting: Loopback;
let sns: AwsLoopback<SnsMessage>;

before(async () => {
  flaky = await startLoopback();
  rejecting = await startLoopback();
  sns = await startSnsLoopback();
});
after(async () => {
  await flaky.close();
  await rejecting.close();
  await sns.close();
});

const webhook = (name: string, url: string, events: string[]) =>
  api('/notifications', { method: 'POST', body: { name, type: 'webhook', url, allow_private: true, events } }).then((r) => {
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  });
const deliveries = async (name: string) => (await api(`/notifications/${name}/deliveries`)).body.data.reverse();
const settled = async (name: string, count: number) => assert.ok(await eventually(async () => (await deliveries(name)).filter((d: any) => d.status !== 'retrying').length >= count, 15_000), `${name}: ${count} settled`);

test('a revoked key is told; a webhook answering 500 is retried with backoff, a 400 is not, an unreachable one is given up after the last attempt', async () => {
  await webhook('flaky', `${flaky.url}/hook`, ['key.revoked']);
  await webhook('rejecting', `${rejecting.url}/hook`, ['key.revoked']);
  await webhook('gone', 'http://127.0.0.1:1/hook', ['key.revoked']);
  flaky.reply({ status: 500, body: 'try later' }, { status: 200 });
  rejecting.reply({ status: 400, body: 'no such hook' });
  await api('/teams', { method: 'POST', body: { name: 'blue' } });
  const key = (await api('/keys', { method: 'POST', body: { name: 'ci', team: 'blue' } })).body;
  assert.equal((await api(`/keys/${key.prefix}/revoke`, { method: 'POST' })).status, 200);

  await settled('flaky', 1);
  assert.deepEqual((await deliveries('flaky')).map((d: any) => [d.attempt, d.status, d.http_status, d.error]), [
    [1, 'retrying', 500, 'HTTP 500: try later'],
    [2, 'delivered', 200, null],
  ]);
  assert.equal(flaky.requests.length, 2);
  const [first, second] = flaky.requests.map((r) => JSON.parse(r.body));
  assert.deepEqual(first, second, 'the same event, retried');
  assert.equal(first.type, 'key.revoked');
  assert.deepEqual({ ...first.data, key_id: undefined, team_id: undefined }, {
    key_id: undefined,
    team_id: undefined,
    key_name: 'ci',
    prefix: key.prefix,
    owner: 'team blue',
    user_id: null,
    user_email: null,
    team: 'blue',
    expires_at: null,
    actor: 'admin',
  });
  assert.equal(first.data.key_id, key.id);
  assert.ok(!JSON.stringify(first).includes(key.key), 'never the key itself');

  await settled('rejecting', 1);
  assert.deepEqual((await deliveries('rejecting')).map((d: any) => [d.attempt, d.status, d.http_status]), [[1, 'failed', 400]], 'a 4xx is not retried');
  assert.equal(rejecting.requests.length, 1);

  await settled('gone', 1);
  const gone = await deliveries('gone');
  assert.deepEqual(gone.map((d: any) => [d.attempt, d.status]), [[1, 'retrying'], [2, 'retrying'], [3, 'failed']]);
  assert.match(gone[0].error, /ECONNREFUSED/);
  const failed = await api('/notifications/gone/deliveries?status=failed');
  assert.deepEqual(failed.body.data.map((d: any) => d.attempt), [3]);
  const outbox = await env.db.db.query('SELECT * FROM notification_outbox');
  assert.equal(outbox.rows.length, 0, 'nothing left to deliver');

  // Revoking it again is no news.
  await api(`/keys/${key.prefix}/revoke`, { method: 'POST' });
  await env.rig.gw.gateway.notifications.idle();
  assert.equal(flaky.requests.length, 2);
});

test('a deactivated user is told, from the admin API and from SCIM; an SNS server error is retried', async () => {
  await api('/notifications', { method: 'POST', body: { name: 'people', type: 'sns', topic_arn: 'arn:aws:sns:us-east-1:123456789012:people', endpoint_url: sns.url, events: ['user.deactivated'] } });
  sns.failNext({ status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' });
  await api('/users', { method: 'POST', body: { email: 'leaver@x.io', name: 'Lee Ver' } });
  assert.equal((await api('/users/leaver@x.io/deactivate', { method: 'POST' })).status, 200);
  assert.ok(await eventually(async () => sns.received.length === 1, 15_000));
  const event = JSON.parse(sns.received[0]!.message);
  assert.equal(event.type, 'user.deactivated');
  assert.deepEqual({ ...event.data, user_id: undefined }, { user_id: undefined, username: 'leaver@x.io', email: 'leaver@x.io', name: 'Lee Ver', team_id: null, team: null, via: 'admin', actor: 'admin', deleted: false });
  assert.deepEqual((await deliveries('people')).map((d: any) => [d.attempt, d.status, d.http_status]), [[1, 'retrying', 500], [2, 'delivered', 200]]);
  assert.match((await deliveries('people'))[0].error, /^InternalErrorException: We encountered an internal error/);

  // SCIM: a PATCH that sets active false, then a DELETE of another user.
  await api('/idps', { method: 'POST', body: { name: 'okta', issuer: 'https://okta.example.com', client_id: 'ccag' } });
  const token = (await api('/idps/okta/scim', { method: 'POST', body: {} })).body.token;
  const scim = (method: string, path: string, body?: unknown) =>
    http(`${env.rig.gw.url}/scim/v2${path}`, { method, token, rawBody: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/scim+json' } });
  const provision = async (userName: string) => {
    const created = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, active: true, emails: [{ value: userName, primary: true }] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };
  const patched = await provision('patched@x.io');
  const deleted = await provision('deleted@x.io');
  const patch = await scim('PATCH', `/Users/${patched}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  assert.equal((await scim('DELETE', `/Users/${deleted}`)).status, 204);
  assert.ok(await eventually(async () => sns.received.length === 3, 15_000));
  const scimEvents = sns.received.slice(1).map((m) => JSON.parse(m.message).data);
  assert.deepEqual(
    scimEvents.map((d) => [d.email, d.via, d.actor, d.deleted]).sort(),
    [
      ['deleted@x.io', 'scim', 'scim:okta', true],
      ['patched@x.io', 'scim', 'scim:okta', false],
    ],
  );
});

test('keys expiring within 7 days are told once, however many replicas look', async () => {
  const hook = await startLoopback();
  hook.reply({ status: 200 });
  try {
    await webhook('expiry', `${hook.url}/hook`, ['key.expiring']);
    await api('/users', { method: 'POST', body: { email: 'soon@x.io' } });
    const soon = (await api('/keys', { method: 'POST', body: { name: 'soon', user: 'soon@x.io', expires_in: '3d' } })).body;
    await api('/keys', { method: 'POST', body: { name: 'later', user: 'soon@x.io', expires_in: '30d' } });
    const notifications = env.rig.gw.gateway.notifications;
    const counts = await Promise.all([notifications.checkExpiringKeys(), notifications.checkExpiringKeys(), notifications.checkExpiringKeys()]);
    assert.deepEqual(counts.sort(), [0, 0, 1]);
    assert.ok(await eventually(async () => hook.requests.length === 1, 15_000));
    await notifications.idle();
    assert.equal(hook.requests.length, 1);
    const event = JSON.parse(hook.requests[0]!.body);
    assert.equal(event.type, 'key.expiring');
    assert.equal(event.data.prefix, soon.prefix);
    assert.equal(event.data.owner, 'soon@x.io');
    assert.equal(event.data.expires_at, soon.expires_at);
  } finally {
    await hook.close();
  }
});

test('an endpoint whose circuit opens is told once as unhealthy, and as recovered when it serves again', async () => {
  const health = env.rig.gw.gateway.inference.router.health;
  const hook = await startLoopback();
  hook.reply({ status: 200 });
  try {
    await webhook('health', `${hook.url}/hook`, ['endpoint.unhealthy', 'endpoint.recovered']);
    // Two replicas' breakers seeing the same outage: one report.
    for (let i = 0; i < 10; i++) health.failure('default', 'claude-sonnet-4-5', 'ThrottlingException');
    health.listener!.healthChanged('default', 'claude-sonnet-4-5', false, 'ThrottlingException');
    assert.ok(await eventually(async () => hook.requests.length === 1, 15_000));
    health.success('default', 'claude-sonnet-4-5', 120);
    assert.ok(await eventually(async () => hook.requests.length === 2, 15_000));
    const [down, up] = hook.requests.map((r) => JSON.parse(r.body));
    assert.deepEqual([down.type, down.data], ['endpoint.unhealthy', { endpoint_id: 'default', endpoint: 'default', model: 'claude-sonnet-4-5', error: 'ThrottlingException' }]);
    assert.deepEqual([up.type, up.data], ['endpoint.recovered', { endpoint_id: 'default', endpoint: 'default', model: 'claude-sonnet-4-5' }]);

    // Reported down by a replica that has gone since: this one, having seen it serve, reports the recovery.
    await env.db.db.query("INSERT INTO endpoint_health_reports (endpoint_id, model, healthy, changed_at) VALUES ('default', 'claude-haiku-4-5', false, now() - interval '1 minute')");
    await env.rig.gw.gateway.notifications.checkRecoveries();
    health.success('default', 'claude-haiku-4-5', 80);
    await env.rig.gw.gateway.notifications.checkRecoveries();
    assert.ok(await eventually(async () => hook.requests.length === 3, 15_000));
    assert.deepEqual(JSON.parse(hook.requests[2]!.body).data, { endpoint_id: 'default', endpoint: 'default', model: 'claude-haiku-4-5' });
  } finally {
    await hook.close();
  }
});

test('POST /notifications/:ref/test sends one test event and answers how it went; webhook URLs are checked', async () => {
  const hook = await startLoopback();
  hook.reply({ status: 200 });
  try {
    await webhook('slack', `${hook.url}/services/T0/B0/x`, ['budget.threshold']);
    assert.equal((await api('/notifications/slack', { method: 'PATCH', body: { format: 'slack' } })).status, 200);
    const tested = await api('/notifications/slack/test', { method: 'POST' });
    assert.equal(tested.status, 200);
    assert.equal(tested.body.ok, true);
    assert.equal(tested.body.event.type, 'notification.test');
    assert.deepEqual([tested.body.delivery.status, tested.body.delivery.http_status, tested.body.delivery.attempt, tested.body.delivery.event_type], ['delivered', 200, 1, 'notification.test']);
    assert.deepEqual(JSON.parse(hook.requests[0]!.body), { text: 'Test notification from ccag to slack: it works.' }, 'Slack incoming-webhook JSON');

    hook.reply({ status: 404, body: 'no_service' });
    const failing = await api('/notifications/slack/test', { method: 'POST' });
    assert.equal(failing.body.ok, false);
    assert.equal(failing.body.delivery.error, 'HTTP 404: no_service');
    assert.equal((await deliveries('slack')).length, 2);

    const internal = await api('/notifications', { method: 'POST', body: { name: 'internal', type: 'webhook', url: `${hook.url}/x`, events: ['key.revoked'] } });
    assert.equal(internal.status, 400);
    assert.match(internal.body.error.message, /^url: 127\.0\.0\.1 is a loopback, private, link-local or otherwise internal address; such URLs are refused unless allow_private is set \(CLI: --allow-private\)/);
    const metadata = await api('/notifications', { method: 'POST', body: { name: 'meta', type: 'webhook', url: 'http://169.254.169.254/latest', events: ['key.revoked'] } });
    assert.equal(metadata.status, 400);
    const mixed = await api('/notifications', { method: 'POST', body: { name: 'mixed', type: 'webhook', url: 'https://hooks.example.com', topic_arn: 'arn:aws:sns:us-east-1:123456789012:x', events: ['key.revoked'] } });
    assert.equal(mixed.status, 400);
    assert.equal(mixed.body.error.message, 'topic_arn: not a setting of webhook destinations');
    const noTopic = await api('/notifications', { method: 'POST', body: { name: 'nt', type: 'sns', events: ['key.revoked'] } });
    assert.equal(noTopic.body.error.message, 'topic_arn: required for sns destinations');
    const badEvent = await api('/notifications', { method: 'POST', body: { name: 'be', type: 'webhook', url: 'https://hooks.example.com', events: ['key.exploded'] } });
    assert.equal(badEvent.status, 400);
    assert.equal((await api('/notifications', { method: 'POST', body: { name: 'SLACK', type: 'webhook', url: `${hook.url}/x`, allow_private: true, events: ['key.revoked'] } })).status, 409);

    // Rotating the secret shows the new one once; audit entries never hold it.
    const rotated = await api('/notifications/slack', { method: 'PATCH', body: { rotate_secret: true } });
    assert.match(rotated.body.signing_secret, /^whsec_/);
    const audit = await api('/audit?action=notification.*');
    assert.deepEqual(audit.body.data.map((e: any) => e.action).slice(-3), ['notification.create', 'notification.update', 'notification.update']);
    assert.ok(!JSON.stringify(audit.body).includes(rotated.body.signing_secret));
    assert.equal((await api('/notifications/slack', { method: 'DELETE' })).status, 204);
    assert.equal((await api('/notifications/slack')).status, 404);
    assert.equal((await api('/notifications/slack/deliveries')).status, 404);
  } finally {
    await hook.close();
  }
});
