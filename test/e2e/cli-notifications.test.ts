import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEventBridgeLoopback, startSnsLoopback, type AwsLoopback, type EventBridgeEntry, type SnsMessage } from '../helpers/aws-notification-targets.js';
import { ccag, type CliResult } from '../helpers/cli.js';
import { adminToken, eventually, http, useTestGateway } from '../helpers/gateway.js';
import { emulatorCredentials } from '../../src/emulator/index.js';
import { startLoopback, type Loopback } from '../integration/websearch/loopback.js';

const env = useTestGateway('pglite');
let hook: Loopback;
let sns: AwsLoopback<SnsMessage>;
let bus: AwsLoopback<EventBridgeEntry>;

before(async () => {
  // The gateway signs SNS and EventBridge calls with its own AWS identity (the default chain).
  process.env.AWS_ACCESS_KEY_ID = emulatorCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = emulatorCredentials.secretAccessKey;
  hook = await startLoopback();
  hook.reply({ status: 200 });
  sns = await startSnsLoopback('eu-west-1');
  bus = await startEventBridgeLoopback();
});
after(async () => {
  await hook.close();
  await sns.close();
  await bus.close();
});

const json = (r: CliResult) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test('an admin adds webhook, SNS and EventBridge destinations with the CLI, tests them, reads deliveries and removes them', async () => {
  const token = await adminToken(env.gw.url);
  const run = (...args: string[]) => ccag(args, { env: { CCAG_URL: env.gw.url, CCAG_TOKEN: token } });

  const refused = await run('notifications', 'add', '--name', 'internal', '--type', 'webhook', '--url', `${hook.url}/hook`, '--events', 'key.revoked');
  assert.equal(refused.code, 2, 'a loopback URL without --allow-private: 400');
  assert.match(refused.stderr, /loopback, private, link-local/);
  const badEvents = await run('notifications', 'add', '--name', 'x', '--type', 'webhook', '--url', 'https://h.example.com', '--events', 'key.revoked,key.exploded');
  assert.equal(badEvents.code, 2);
  assert.match(badEvents.stderr, /key\.exploded is not an event type/);

  const added = json(await run('notifications', 'add', '--name', 'ops', '--type', 'webhook', '--url', `${hook.url}/hook`, '--allow-private', '--events', 'budget.threshold,key.revoked', '--json'));
  assert.equal(added.type, 'webhook');
  assert.deepEqual(added.events, ['budget.threshold', 'key.revoked']);
  assert.match(added.signing_secret, /^whsec_/);
  const topic = json(
    await run('notifications', 'add', '--name', 'sns', '--type', 'sns', '--topic-arn', 'arn:aws:sns:eu-west-1:123456789012:ccag', '--endpoint-url', sns.url, '--events', 'all', '--json'),
  );
  assert.equal(topic.region, 'eu-west-1');
  assert.equal(topic.events.length, 7);
  const table = await ccag(['notifications', 'add', '--name', 'bus', '--type', 'eventbridge', '--event-bus', 'default', '--region', 'us-east-1', '--endpoint-url', bus.url, '--events', 'user.deactivated'], {
    env: { CCAG_URL: env.gw.url, CCAG_TOKEN: token },
  });
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^TYPE +eventbridge$/m);
  assert.doesNotMatch(table.stdout, /whsec_/);

  const listed = json(await run('notifications', 'list', '--json'));
  assert.deepEqual(listed.map((d: any) => [d.name, d.type]), [['bus', 'eventbridge'], ['ops', 'webhook'], ['sns', 'sns']]);
  assert.ok(!JSON.stringify(listed).includes(added.signing_secret));
  const listTable = await run('notifications', 'list');
  assert.match(listTable.stdout, /ops\twebhook\thttp:\/\/127\.0\.0\.1:\d+\/hook\tbudget\.threshold,key\.revoked\tyes/);
  assert.equal(json(await run('notifications', 'show', 'ops', '--json')).has_signing_secret, true);

  for (const name of ['ops', 'sns', 'bus']) {
    const tested = json(await run('notifications', 'test', name, '--json'));
    assert.equal(tested.ok, true, tested.delivery.error);
  }
  assert.equal(JSON.parse(hook.requests[0]!.body).type, 'notification.test');
  assert.equal(JSON.parse(sns.received[0]!.message).type, 'notification.test');
  assert.equal(bus.received[0]!.detailType, 'notification.test');
  const testTable = await run('notifications', 'test', 'ops');
  assert.match(testTable.stderr, /^ok: delivered \(HTTP 200\) in \d+ ms/);

  hook.reply({ status: 410 });
  const failed = await run('notifications', 'test', 'ops');
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /failed: HTTP 410/);

  const deliveries = json(await run('notifications', 'deliveries', 'ops', '--json'));
  assert.deepEqual(deliveries.map((d: any) => [d.status, d.http_status]), [['failed', 410], ['delivered', 200], ['delivered', 200]]);
  assert.deepEqual(json(await run('notifications', 'deliveries', 'ops', '--status', 'failed', '--json')).length, 1);
  assert.match((await run('notifications', 'deliveries', 'ops')).stdout, /notification\.test\t1\tfailed\t410/);

  // Revoking a key reaches the webhook (no test needed: the real event).
  hook.reply({ status: 200 });
  await http(`${env.gw.url}/admin/v1/teams`, { method: 'POST', token, body: { name: 'blue' } });
  const key = (await http(`${env.gw.url}/admin/v1/keys`, { method: 'POST', token, body: { name: 'ci', team: 'blue' } })).body;
  assert.equal((await run('keys', 'revoke', key.prefix, '--yes')).code, 0);
  assert.ok(await eventually(async () => hook.requests.some((r) => JSON.parse(r.body).type === 'key.revoked'), 15_000));

  const updated = json(await run('notifications', 'update', 'ops', '--events', 'key.expiring', '--format', 'slack', '--disable', '--json'));
  assert.deepEqual([updated.events, updated.format, updated.enabled], [['key.expiring'], 'slack', false]);
  assert.equal(updated.signing_secret, undefined);
  const rotated = json(await run('notifications', 'update', 'ops', '--rotate-secret', '--json'));
  assert.match(rotated.signing_secret, /^whsec_/);
  assert.notEqual(rotated.signing_secret, added.signing_secret);
  assert.equal((await run('notifications', 'update', 'ops')).code, 2, 'nothing to change');
  const wrongField = await run('notifications', 'update', 'sns', '--url', 'https://h.example.com');
  assert.equal(wrongField.code, 2);
  assert.match(wrongField.stderr, /url: not a setting of sns destinations/);

  for (const name of ['ops', 'sns', 'bus']) assert.equal((await run('notifications', 'remove', name, '--yes')).code, 0);
  assert.deepEqual(json(await run('notifications', 'list', '--json')), []);
  assert.equal((await run('notifications', 'show', 'ops')).code, 4);
});
