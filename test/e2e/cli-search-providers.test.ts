import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ccag, type CliResult } from '../helpers/cli.js';
import { adminToken, http, useTestGateway } from '../helpers/gateway.js';
import { startLoopback, type Loopback } from '../integration/websearch/loopback.js';

const env = useTestGateway('pglite');
let search: Loopback;

before(async () => {
  search = await startLoopback();
  search.reply({ body: JSON.stringify({ results: [{ url: 'https://docs.example/ccag', title: 'ccag docs', snippet: 'How to run ccag.' }] }) });
});
after(() => search.close());

const json = (r: CliResult) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test('an admin adds a search provider with the CLI, tests it, assigns it and removes it', async () => {
  const token = await adminToken(env.gw.url);
  const admin = { env: { CCAG_URL: env.gw.url, CCAG_TOKEN: token } };
  const run = (...args: string[]) => ccag(args, admin);
  await http(`${env.gw.url}/admin/v1/teams`, { method: 'POST', token, body: { name: 'blue' } });

  const refused = await run('search-providers', 'add', 'internal', '--kind', 'custom', '--url', `${search.url}/search`);
  assert.equal(refused.code, 2, 'a loopback URL without --allow-private: 400');
  assert.match(refused.stderr, /loopback, private, link-local/);
  assert.equal((await run('search-providers', 'add', 'x', '--kind', 'bing')).code, 2, 'an unknown kind');

  const added = json(
    await ccag(['search-providers', 'add', 'intranet', '--kind', 'custom', '--url', `${search.url}/search`, '--allow-private', '--api-key-stdin', '--timeout', '3000', '--json'], {
      ...admin,
      stdin: 'cli-secret-key\n',
    }),
  );
  assert.equal(added.name, 'intranet');
  assert.equal(added.has_api_key, true);
  assert.equal(added.allow_private, true);
  assert.equal(added.timeout_ms, 3000);
  assert.ok(!JSON.stringify(added).includes('cli-secret-key'));

  const tested = json(await run('search-providers', 'test', 'intranet', '--query', 'ccag docs', '--json'));
  assert.equal(tested.ok, true, tested.error);
  assert.deepEqual(tested.first, { url: 'https://docs.example/ccag', title: 'ccag docs' });
  assert.equal(search.requests.at(-1)!.headers.authorization, 'Bearer cli-secret-key');

  assert.equal((await run('search-providers', 'assign', 'intranet')).code, 2, 'no subject');
  assert.deepEqual(json(await run('search-providers', 'assign', 'intranet', '--gateway-wide', '--json')), { scope: 'gateway', subject: null, provider: 'intranet' });
  assert.deepEqual(json(await run('search-providers', 'assign', 'intranet', '--team', 'blue', '--json')), { scope: 'team', subject: 'blue', provider: 'intranet' });
  const listed = json(await run('search-providers', 'list', '--json'));
  assert.deepEqual(
    listed.map((p: any) => [p.name, p.assignments.map((a: any) => a.scope)]),
    [['intranet', ['gateway', 'team']]],
  );
  const table = await run('search-providers', 'list');
  assert.match(table.stdout, /intranet\tcustom/);

  assert.equal((await run('search-providers', 'unassign', '--team', 'blue')).code, 0);
  assert.deepEqual(json(await run('search-providers', 'show', 'intranet', '--json')).assignments, [{ scope: 'gateway', subject: null, provider: 'intranet' }]);
  const updated = json(await run('search-providers', 'update', 'intranet', '--no-api-key', '--json'));
  assert.equal(updated.has_api_key, false);

  assert.equal((await run('search-providers', 'remove', 'intranet', '--yes')).code, 0);
  assert.deepEqual(json(await run('search-providers', 'list', '--json')), []);
});
