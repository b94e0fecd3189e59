import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EmulatedRequest } from '../../../src/emulator/index.js';
import { adminPassword, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';
import { startLoopback, type Loopback } from './loopback.js';

/**
 * Which provider a web search uses: the user's assignment, else the team's, else the gateway's,
 * else the CCAG_SEARCH_* one. Two loopback "custom" providers answer with different results.
 */
const env = useInferenceRig('pglite');
const secretKey = 'sk-search-very-secret-1234567890';
let a: Loopback;
let b: Loopback;
const keys: Record<string, string> = {};

const answer = (name: string) => ({ body: JSON.stringify({ results: [{ url: `https://${name}.example/`, title: `From provider ${name}`, snippet: `${name} says hi` }] }) });

before(async () => {
  a = await startLoopback();
  b = await startLoopback();
  a.reply(answer('a'));
  b.reply(answer('b'));
});
after(async () => {
  await a?.close();
  await b?.close();
});

/** The emulated model: one search, then an answer. */
function searchOnce(req: EmulatedRequest) {
  if (!req.operation.startsWith('InvokeModel')) return undefined;
  const searched = (req.body.messages as any[]).some((m) => Array.isArray(m.content) && m.content.some((c: any) => c.type === 'tool_result'));
  if (searched) return { kind: 'message' as const, blocks: [{ type: 'text' as const, text: 'Done.' }] };
  return { kind: 'message' as const, blocks: [{ type: 'tool_use' as const, name: 'web_search', input: { query: 'who answers' } }], stopReason: 'tool_use' as const };
}

/** The first result's title the user's web search got. */
async function searchAs(user: string): Promise<string> {
  const res = await http(`${env.rig.gw.url}/v1/messages`, {
    method: 'POST',
    apiKey: keys[user],
    body: { model: 'claude-sonnet-4-5', max_tokens: 200, tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'search' }] },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const result = res.body.content.find((c: any) => c.type === 'web_search_tool_result');
  assert.ok(Array.isArray(result.content), JSON.stringify(result));
  return `${result.content[0].title} ${result.content[0].url}`;
}

const admin = (method: string, path: string, body?: unknown) => http(`${env.rig.gw.url}/admin/v1${path}`, { method, token: env.rig.admin, body });

describe('search providers by gateway, team and user', () => {
  // Users in a team and outside one, each with an inference key.
  before(async () => {
  const token = env.rig.admin;
  await http(`${env.rig.gw.url}/admin/v1/teams`, { method: 'POST', token, body: { name: 'red' } });
  for (const [user, team] of [['alice', 'red'], ['bob', 'red'], ['carol', undefined]] as const) {
    const created = await http(`${env.rig.gw.url}/admin/v1/users`, { method: 'POST', token, body: { email: `${user}@search.io`, role: 'member', password: adminPassword, ...(team && { team }) } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const key = await http(`${env.rig.gw.url}/admin/v1/keys`, { method: 'POST', token, body: { name: `${user}-key`, user: `${user}@search.io` } });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    keys[user] = key.body.key;
  }
  env.rig.emulator.configure({ script: searchOnce });
  });

test('providers are added with sealed keys, validated, and never shown', async () => {
  const created = await admin('POST', '/search-providers', { name: 'prov-a', kind: 'custom', url: `${a.url}/search`, api_key: secretKey, allow_private: true, timeout_ms: 5000 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.has_api_key, true);
  assert.equal(created.body.timeout_ms, 5000);
  assert.deepEqual(created.body.assignments, []);
  assert.equal((await admin('POST', '/search-providers', { name: 'prov-b', kind: 'custom', url: `${b.url}/search`, allow_private: true })).status, 201);
  assert.equal((await admin('POST', '/search-providers', { name: 'PROV-A', kind: 'duckduckgo' })).status, 409);

  const internal = await admin('POST', '/search-providers', { name: 'internal', kind: 'custom', url: `${a.url}/search` });
  assert.equal(internal.status, 400);
  assert.match(internal.body.error.message, /loopback, private, link-local/);
  const metadata = await admin('POST', '/search-providers', { name: 'meta', kind: 'searxng', url: 'http://169.254.169.254/' });
  assert.equal(metadata.status, 400);
  const keyless = await admin('POST', '/search-providers', { name: 'brave', kind: 'brave' });
  assert.equal(keyless.status, 400);
  assert.match(keyless.body.error.message, /needs an API key/);
  const urlless = await admin('POST', '/search-providers', { name: 'sx', kind: 'searxng' });
  assert.equal(urlless.status, 400);
  assert.match(urlless.body.error.message, /needs a url/);
  const turnOffPrivate = await admin('PATCH', '/search-providers/prov-b', { allow_private: false });
  assert.equal(turnOffPrivate.status, 400, 'switching the guard back on re-checks the URL');

  const tested = await admin('POST', '/search-providers/prov-a/test', { query: 'ping' });
  assert.equal(tested.status, 200);
  assert.equal(tested.body.ok, true, JSON.stringify(tested.body));
  assert.equal(tested.body.results, 1);
  assert.deepEqual(tested.body.first, { url: 'https://a.example/', title: 'From provider a' });
  assert.equal(typeof tested.body.latency_ms, 'number');
  const sent = a.requests.at(-1)!;
  assert.equal(sent.query.get('q'), 'ping');
  assert.equal(sent.headers.authorization, `Bearer ${secretKey}`, 'the unsealed key reaches the provider');

  const patched = await admin('PATCH', '/search-providers/prov-a', { api_key: `${secretKey}-2` });
  assert.equal(patched.status, 200);

  const listed = await admin('GET', '/search-providers');
  assert.deepEqual(listed.body.data.map((p: any) => p.name), ['prov-a', 'prov-b']);
  const rows = await env.db.db.query<{ api_key_sealed: string }>(`SELECT api_key_sealed FROM search_providers WHERE name = 'prov-a'`);
  assert.ok(!rows.rows[0]!.api_key_sealed.includes(secretKey), 'sealed at rest');
  const audit = await admin('GET', '/audit?limit=100');
  assert.ok(audit.body.data.some((e: any) => e.action === 'search_provider.create'));
  for (const text of [JSON.stringify(listed.body), JSON.stringify(created.body), JSON.stringify(patched.body), JSON.stringify(audit.body)]) {
    assert.ok(!text.includes(secretKey), 'the key never comes out');
    assert.ok(!text.includes('api_key_sealed'), 'nor its sealed form');
  }
});

test('the gateway assignment applies to everyone, a team assignment to its members, a user assignment to the user', async () => {
  assert.equal((await admin('PUT', '/search-providers/prov-a/assign', { scope: 'gateway' })).status, 200);
  assert.match(await searchAs('carol'), /From provider a https:\/\/a\.example\//);
  assert.match(await searchAs('bob'), /From provider a/);

  const team = await admin('PUT', '/search-providers/prov-b/assign', { scope: 'team', subject: 'red' });
  assert.deepEqual(team.body, { scope: 'team', subject: 'red', provider: 'prov-b' });
  assert.match(await searchAs('bob'), /From provider b https:\/\/b\.example\//);
  assert.match(await searchAs('alice'), /From provider b/);
  assert.match(await searchAs('carol'), /From provider a/, 'not in the team: the gateway\'s');

  const user = await admin('PUT', '/search-providers/prov-a/assign', { scope: 'user', subject: 'alice@search.io' });
  assert.deepEqual(user.body, { scope: 'user', subject: 'alice@search.io', provider: 'prov-a' });
  assert.match(await searchAs('alice'), /From provider a/, 'the user\'s beats the team\'s');
  assert.match(await searchAs('bob'), /From provider b/);

  const shown = await admin('GET', '/search-providers/prov-a');
  assert.deepEqual(shown.body.assignments, [
    { scope: 'gateway', subject: null, provider: 'prov-a' },
    { scope: 'user', subject: 'alice@search.io', provider: 'prov-a' },
  ]);
  assert.equal((await admin('PUT', '/search-providers/prov-a/assign', { scope: 'team' })).status, 400, 'a team scope needs a subject');
  assert.equal((await admin('PUT', '/search-providers/prov-a/assign', { scope: 'team', subject: 'nope' })).status, 404);

  assert.equal((await admin('DELETE', '/search-assignments', { scope: 'user', subject: 'alice@search.io' })).status, 204);
  assert.match(await searchAs('alice'), /From provider b/);
  assert.equal((await admin('DELETE', '/search-assignments', { scope: 'user', subject: 'alice@search.io' })).status, 404);

  // Removing a provider drops its assignments: the team falls back to the gateway's.
  assert.equal((await admin('DELETE', '/search-providers/prov-b')).status, 204);
  assert.match(await searchAs('bob'), /From provider a/);
  assert.equal((await admin('DELETE', '/search-assignments', { scope: 'gateway' })).status, 204);
  const audit = await admin('GET', '/audit?limit=100');
  const actions = new Set(audit.body.data.map((e: any) => e.action));
  for (const action of ['search_provider.assign', 'search_provider.unassign', 'search_provider.delete', 'search_provider.update']) assert.ok(actions.has(action), action);
});
});
