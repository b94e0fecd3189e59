import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccag, cliHome } from '../../helpers/cli.js';
import { adminPassword, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${env.rig.gw.url}/admin/v1${path}`, { token: env.rig.admin, ...init });
const ask = (key: string, model: string, content = 'hi') =>
  http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model, max_tokens: 50, messages: [{ role: 'user', content }] } });

const env = useInferenceRig('postgres');

test('every request is priced from the list; a model with no price is charged the fallback and flagged', async () => {
  const res = await ask(env.rig.key, 'claude-sonnet-4-5');
  assert.equal(res.status, 200);
  await api('/models/custom-profile', { method: 'PUT', body: { bedrock_model: 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc' } });
  const custom = await ask(env.rig.key, 'custom-profile');
  assert.equal(custom.status, 200, JSON.stringify(custom.body));
  await env.rig.gw.gateway.inference.requestLog.flush();
  const { rows } = await env.db.db.query<any>('SELECT model, input_tokens, output_tokens, cost_micros, priced, price_model FROM requests ORDER BY at');
  const [sonnet, unpriced] = rows;
  // us. profile: regional, 10% over the $3/$15 list price
  assert.equal(sonnet.cost_micros, Math.round((sonnet.input_tokens * 3 + sonnet.output_tokens * 15) * 1.1));
  assert.equal(sonnet.priced, true);
  assert.equal(sonnet.price_model, 'claude-sonnet-4-5-20250929');
  assert.equal(unpriced.priced, false);
  assert.equal(unpriced.price_model, '*');
  assert.equal(unpriced.cost_micros, unpriced.input_tokens * 15 + unpriced.output_tokens * 75);
  assert.ok(unpriced.cost_micros > 0);

  // An admin prices it; later requests use that price.
  const set = await api('/pricing/custom-profile', { method: 'PUT', body: { input: 1, output: 2 } });
  assert.equal(set.status, 200);
  assert.equal(set.body.cache_read, 0.1);
  assert.equal(set.body.source, 'admin');
  await ask(env.rig.key, 'custom-profile');
  await env.rig.gw.gateway.inference.requestLog.flush();
  const last = (await env.db.db.query<any>('SELECT input_tokens, output_tokens, cost_micros, priced FROM requests ORDER BY at DESC LIMIT 1')).rows[0];
  assert.equal(last.priced, true);
  assert.equal(last.cost_micros, last.input_tokens * 1 + last.output_tokens * 2);
  assert.equal((await api('/pricing/custom-profile', { method: 'DELETE' })).status, 204);
  assert.equal((await api('/pricing/custom-profile', { method: 'DELETE' })).status, 404);
  assert.equal((await api('/pricing/x', { method: 'PUT', body: { input: -1, output: 2 } })).status, 400);
});

test('spend reports group, sum and scope by role; the CLI prints the same numbers as CSV and JSON', async () => {
  await api('/teams', { method: 'POST', body: { name: 'red' } });
  await api('/users', { method: 'POST', body: { email: 'ann@red.io', team: 'red', password: adminPassword } });
  const annKey = (await api('/keys', { method: 'POST', body: { name: 'ann', user: 'ann@red.io' } })).body.key;
  for (let i = 0; i < 3; i++) assert.equal((await ask(annKey, 'claude-haiku-4-5', `question ${i}`)).status, 200);

  const byUser = await api('/spend?by=user');
  const ann = byUser.body.data.find((r: any) => r.group === 'ann@red.io');
  assert.equal(ann.requests, 3);
  const { rows } = await env.db.db.query<any>(`SELECT sum(cost_micros)::bigint AS c, sum(input_tokens)::int AS i FROM requests r JOIN users u ON u.id = r.user_id WHERE u.email = 'ann@red.io'`);
  assert.equal(ann.cost_usd, Number(rows[0].c) / 1e6);
  assert.equal(ann.input_tokens, rows[0].i);
  const byTeam = await api('/spend?by=team');
  assert.equal(byTeam.body.data.find((r: any) => r.group === 'red').requests, 3);
  const byModel = await api('/spend?by=model');
  assert.ok(byModel.body.data.some((r: any) => r.group === 'claude-haiku-4-5' && r.requests === 3));
  const byDay = await api('/spend?by=day');
  assert.equal(byDay.body.data[0].group, new Date().toISOString().slice(0, 10));
  assert.equal((await api('/spend?by=planet')).status, 400);

  // Ann sees only her own spend.
  const login = await http(`${env.rig.gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'ann@red.io', password: adminPassword } });
  const own = await http(`${env.rig.gw.url}/admin/v1/spend?by=user`, { token: login.body.token });
  assert.deepEqual(own.body.data.map((r: any) => r.group), ['ann@red.io']);
  // A team admin without a team sees only itself, and filters outside its reach reveal nothing.
  await api('/users', { method: 'POST', body: { email: 'loner@x.io', role: 'team_admin', password: adminPassword } });
  const loner = await http(`${env.rig.gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'loner@x.io', password: adminPassword } });
  for (const query of ['user=ann@red.io', 'team=red', 'user=nobody@x.io']) {
    const res = await http(`${env.rig.gw.url}/admin/v1/spend?by=user&${query}`, { token: loner.body.token });
    assert.equal(res.status, 200, query);
    assert.deepEqual(res.body.data, [], query);
  }

  const home = cliHome();
  await ccag(['login', env.rig.gw.url, '--username', 'admin', '--password-stdin'], { stdin: adminPassword, home });
  const spendJson = await ccag(['spend', '--by', 'team', '--json'], { home });
  assert.equal(spendJson.code, 0, spendJson.stderr);
  const json = JSON.parse(spendJson.stdout);
  const csv = (await ccag(['spend', '--by', 'team', '--csv'], { home })).stdout.trim().split('\n');
  assert.equal(csv[0], 'group,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd,unpriced_requests');
  const redLine = csv.find((l) => l.startsWith('red,'))!.split(',');
  const redJson = json.find((r: any) => r.group === 'red');
  assert.equal(Number(redLine[1]), redJson.requests);
  assert.equal(Number(redLine[6]), redJson.cost_usd);

  const dir = mkdtempSync(join(tmpdir(), 'ccag-prices-'));
  writeFileSync(join(dir, 'prices.csv'), 'model,input,output,cache_read\nteam-model-a,2,8,0.2\nteam-model-b,4,16,\n');
  const imported = await ccag(['pricing', 'import', join(dir, 'prices.csv'), '--json'], { home });
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(JSON.parse(imported.stdout), { imported: 2 });
  const listed = JSON.parse((await ccag(['pricing', 'list', '--json'], { home })).stdout);
  assert.equal(listed.find((p: any) => p.model === 'team-model-b').cache_read, 0.4);
  writeFileSync(join(dir, 'bad.csv'), 'model,input,output\nteam-model-c,abc,1\n');
  const bad = await ccag(['pricing', 'import', join(dir, 'bad.csv')], { home });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /line 2: input "abc" is not a number/);
});

test('GET /spend?format=csv sends exactly what ccag spend --csv prints, as a CSV download', async () => {
  const key = (await api('/keys', { method: 'POST', body: { name: 'csv' } })).body.key;
  assert.equal((await ask(key, 'claude-haiku-4-5', 'a question for the CSV')).status, 200);
  const home = cliHome();
  await ccag(['login', env.rig.gw.url, '--username', 'admin', '--password-stdin'], { stdin: adminPassword, home });
  for (const by of ['user', 'model', 'day']) {
    const printed = await ccag(['spend', '--by', by, '--since', '30d', '--csv'], { home });
    assert.equal(printed.code, 0, printed.stderr);
    const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const res = await http(`${env.rig.gw.url}/admin/v1/spend?by=${by}&since=${encodeURIComponent(since)}&format=csv`, { token: env.rig.admin });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(res.headers['content-disposition'], `attachment; filename="ccag-spend-by-${by}.csv"`);
    assert.equal(res.body, printed.stdout, by);
    assert.ok(printed.stdout.split('\n').length > 2, printed.stdout);
  }
  const bad = await http(`${env.rig.gw.url}/admin/v1/spend?format=xlsx`, { token: env.rig.admin });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /query parameter format:/);
});
