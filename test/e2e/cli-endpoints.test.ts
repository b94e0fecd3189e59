import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { emulatorCredentials, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { ccag, type CliResult } from '../helpers/cli.js';
import { adminToken, eventually, useTestGateway } from '../helpers/gateway.js';

// The endpoints sign with the default credential chain: the emulators' keys, from the environment.
process.env.AWS_ACCESS_KEY_ID = emulatorCredentials.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = emulatorCredentials.secretAccessKey;
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;

const env = useTestGateway('pglite', { region: 'us-east-1' });
const accounts: Emulator[] = [];

before(async () => {
  for (let i = 0; i < 2; i++) accounts.push(await startEmulator({ region: 'us-east-1' }));
});
after(async () => {
  for (const e of accounts) await e.close();
});

const json = (r: CliResult) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test('an admin adds endpoints with the CLI, tests them, routes a team over them and removes one', async () => {
  const admin = { env: { CCAG_URL: env.gw.url, CCAG_TOKEN: await adminToken(env.gw.url) } };
  const run = (...args: string[]) => ccag(args, admin);

  const missing = await run('endpoints', 'add', 'acct-a');
  assert.equal(missing.code, 2, 'no terminal to ask for the region on');
  assert.match(missing.stderr, /missing --region/);
  const badArn = await run('endpoints', 'add', 'acct-a', '--region', 'us-east-1', '--model-arn', 'claude-sonnet-4-5');
  assert.equal(badArn.code, 2);
  assert.match(badArn.stderr, /MODEL=ARN/);

  const a = json(await run('endpoints', 'add', 'acct-a', '--region', 'us-east-1', '--endpoint-url', accounts[0]!.url, '--priority', '10', '--json'));
  assert.equal(a.name, 'acct-a');
  assert.deepEqual(a.credentials, { type: 'default' });
  assert.equal(a.endpoint_url, accounts[0]!.url);
  assert.equal(a.priority, 10);
  assert.equal(a.health.state, 'closed');
  const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';
  const b = json(
    await run('endpoints', 'add', 'acct-b', '--region', 'us-east-1', '--endpoint-url', accounts[1]!.url, '--priority', '20', '--weight', '3', '--profile-prefix', 'global', '--model-arn', `claude-opus-4-5=${arn}`, '--role-arn', 'arn:aws:iam::123456789012:role/Bedrock', '--external-id', 'ext-1', '--json'),
  );
  assert.deepEqual(b.credentials, { type: 'assume_role', roleArn: 'arn:aws:iam::123456789012:role/Bedrock', externalId: 'ext-1' });
  assert.equal(b.profile_prefix, 'global');
  assert.deepEqual(b.model_arns, { 'claude-opus-4-5': arn });
  assert.equal(b.weight, 3);
  const dead = await run('endpoints', 'add', 'dead', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:1', '--priority', '30', '--disabled', '--quiet');
  assert.equal(dead.code, 0, dead.stderr);
  assert.match(dead.stdout, /^[0-9a-f-]{36}\n$/, '--quiet prints the id');
  assert.equal((await run('endpoints', 'add', 'ACCT-A', '--region', 'us-east-1')).code, 1, 'a duplicate name: 409');

  const listed = json(await run('endpoints', 'list', '--json'));
  assert.deepEqual(listed.map((e: any) => [e.name, e.enabled]), [['acct-a', true], ['acct-b', true], ['dead', false]]);
  const tsv = await run('endpoints', 'list');
  assert.match(tsv.stdout, /^acct-a\tus-east-1\tdefault\tauto\t10\t1\tyes\tclosed \(0 req, 0 err\)$/m);
  assert.match(tsv.stdout, /^acct-b\tus-east-1\tarn:aws:iam::123456789012:role\/Bedrock\tglobal\t20\t3\tyes\t/m);

  // Back to the default chain, so acct-b signs with the emulator's keys like acct-a.
  const updated = json(await run('endpoints', 'update', 'acct-b', '--default-credentials', '--no-model-arn', '--json'));
  assert.deepEqual(updated.credentials, { type: 'default' });
  assert.deepEqual(updated.model_arns, {});
  assert.equal((await run('endpoints', 'update', 'acct-b')).code, 2, 'nothing to change');
  assert.equal((await run('endpoints', 'update', 'acct-a', '--external-id', 'x-1')).code, 2, 'no role to give an external id to');
  assert.equal((await run('endpoints', 'update', 'nope', '--priority', '1')).code, 4);

  // The router loads endpoints on the change notification: until then the test answers 404.
  let tested: CliResult | undefined;
  assert.ok(await eventually(async () => (tested = await run('endpoints', 'test', 'acct-a', '--json')).code !== 4, 5000), tested?.stderr);
  const ok = json(tested!);
  assert.equal(ok.ok, true);
  assert.equal(ok.endpoint, 'acct-a');
  assert.equal(ok.error, null);
  assert.ok(ok.latency_ms >= 0);
  assert.ok(accounts[0]!.requests.some((r) => r.operation.startsWith('InvokeModel')), 'a real call reached the endpoint');
  const okText = await run('endpoints', 'test', 'acct-a', '--model', 'claude-sonnet-4-5');
  assert.equal(okText.code, 0, okText.stderr);
  assert.match(okText.stderr, /^ok: acct-a answered in \d+ ms \(.*claude-sonnet-4-5.*\)$/m);

  let failed: CliResult | undefined;
  assert.ok(await eventually(async () => (failed = await run('endpoints', 'test', 'dead', '--json')).code !== 4, 5000), failed?.stderr);
  assert.equal(failed!.code, 1, 'not ok: exit 1');
  const bad = JSON.parse(failed!.stdout);
  assert.equal(bad.ok, false);
  assert.ok(bad.error, 'the error is reported');
  const badText = await run('endpoints', 'test', 'dead');
  assert.equal(badText.code, 1);
  assert.match(badText.stderr, /^failed: .+/m);

  const moved = json(await run('endpoints', 'update', 'acct-b', '--priority', '5', '--enabled', '--json'));
  assert.equal(moved.priority, 5);
  assert.deepEqual(json(await run('endpoints', 'list', '--json')).map((e: any) => e.name), ['acct-b', 'acct-a', 'dead'], 'by priority');
  assert.equal((await run('endpoints', 'list', '--quiet')).stdout.trim().split('\n').length, 3);
  const shown = await run('endpoints', 'show', 'acct-b');
  assert.match(shown.stdout, /ENDPOINT URL +http:\/\/127\.0\.0\.1:\d+/);
  assert.match(shown.stdout, /PRIORITY +5/);

  // A team's routing: set, show, change the strategy alone, clear.
  assert.equal((await run('teams', 'create', 'build')).code, 0);
  const none = json(await run('teams', 'routing', 'build', '--json'));
  assert.deepEqual(none, { team: 'build', strategy: null, endpoints: [] });
  assert.equal((await run('teams', 'routing', 'build', '--strategy', 'round-robin')).code, 2, 'no endpoints yet');
  assert.equal((await run('teams', 'routing', 'build', '--strategy', 'fastest')).code, 2);
  assert.equal((await run('teams', 'routing', 'build', '--endpoints', 'acct-a,nope')).code, 4);
  const set = json(await run('teams', 'routing', 'build', '--strategy', 'sticky-user', '--endpoints', 'acct-a, acct-b', '--json'));
  assert.deepEqual(set, { team: 'build', strategy: 'sticky-user', endpoints: ['acct-a', 'acct-b'] });
  const rr = json(await run('teams', 'routing', 'build', '--strategy', 'round-robin', '--json'));
  assert.deepEqual(rr, { team: 'build', strategy: 'round-robin', endpoints: ['acct-a', 'acct-b'] }, 'the endpoints stay');
  assert.deepEqual(json(await run('teams', 'routing', 'build', '--json')), rr);
  const text = await run('teams', 'routing', 'build');
  assert.match(text.stdout, /STRATEGY +round-robin/);
  assert.match(text.stdout, /ENDPOINTS +acct-a,acct-b/);
  assert.equal((await run('teams', 'routing', 'build', '--clear', '--endpoints', 'acct-a')).code, 2);
  const cleared = await run('teams', 'routing', 'build', '--clear', '--json');
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.deepEqual(json(await run('teams', 'routing', 'build', '--json')), none);
  assert.equal((await run('teams', 'routing', 'nope')).code, 4);

  const removed = await run('endpoints', 'remove', 'dead', '--yes');
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, /Removed endpoint dead/);
  assert.equal((await run('endpoints', 'show', 'dead')).code, 4);
  assert.equal((await run('endpoints', 'remove', 'dead', '--yes')).code, 4);
  assert.deepEqual(json(await run('endpoints', 'list', '--json')).map((e: any) => e.name), ['acct-b', 'acct-a']);
});
