import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ccag, cliHome } from '../../helpers/cli.js';
import { adminPassword, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

const api = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${env.rig.gw.url}/admin/v1${path}`, { token: env.rig.admin, ...init });
const ask = (key: string, content = 'hi') =>
  http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content }] } });

const env = useInferenceRig('pglite');

test('a budget set mid-period counts the spend already made; blocking answers 429 billing_error naming it', async () => {
  await api('/users', { method: 'POST', body: { email: 'spender@x.io' } });
  const key = (await api('/keys', { method: 'POST', body: { name: 'spender', user: 'spender@x.io' } })).body.key;
  for (let i = 0; i < 3; i++) assert.equal((await ask(key)).status, 200);
  await env.rig.gw.gateway.inference.requestLog.flush();
  const spent = Number((await env.db.db.query<{ c: number }>('SELECT sum(cost_micros)::bigint AS c FROM requests')).rows[0]!.c);
  assert.ok(spent > 0);

  // A budget just above what was spent: the next request's reservation does not fit.
  const set = await api('/budgets', { method: 'PUT', body: { scope: 'user', target: 'spender@x.io', amount_usd: (spent + 10) / 1e6, period: 'daily' } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.spent_usd, spent / 1e6);
  assert.deepEqual(set.body.rules, [{ pct: 80, action: 'notify' }, { pct: 100, action: 'block' }]);
  const blocked = await ask(key);
  assert.equal(blocked.status, 429);
  assert.equal(blocked.body.error.type, 'billing_error');
  assert.equal(blocked.headers['x-should-retry'], 'false');
  assert.match(blocked.body.error.message, /budget exceeded: this user's daily budget of \$0\.00 is used up/);
  assert.match(blocked.body.error.message, /resets at \d{4}-\d{2}-\d{2}T00:00:00\.000Z/);
  assert.equal(blocked.headers['x-ccag-budget-remaining-usd'], '0.00');

  // Raised: it works again, and says what is left.
  await api('/budgets', { method: 'PUT', body: { scope: 'user', target: 'spender@x.io', amount_usd: 10, period: 'daily' } });
  const ok = await ask(key);
  assert.equal(ok.status, 200);
  assert.ok(Number(ok.headers['x-ccag-budget-remaining-usd']) > 9.99);
  assert.match(String(ok.headers['x-ccag-budget-resets']), /T00:00:00\.000Z$/);
  await env.rig.gw.gateway.inference.requestLog.flush();
  const events = await env.db.db.query<{ pct: number }>('SELECT pct FROM budget_events');
  assert.deepEqual(events.rows, [], 'no threshold of the raised budget was crossed');
});

test('a budget without a block rule never blocks; a throttle rule limits requests a minute past its threshold', async () => {
  await api('/teams', { method: 'POST', body: { name: 'slow' } });
  const key = (await api('/keys', { method: 'POST', body: { name: 'slow', team: 'slow' } })).body.key;
  assert.equal((await ask(key)).status, 200);
  await env.rig.gw.gateway.inference.requestLog.flush();
  const set = await api('/budgets', {
    method: 'PUT',
    body: { scope: 'team', target: 'slow', amount_usd: 0.000001, period: 'weekly', rules: [{ pct: 50, action: 'notify' }, { pct: 100, action: 'throttle', rpm: 2 }] },
  });
  assert.equal(set.status, 200);
  assert.match(set.body.period_start, /T00:00:00\.000Z$/);
  assert.equal(new Date(set.body.period_start).getUTCDay(), 1, 'weeks start on Monday');
  // Learn the spend at the next settle, then two requests a minute pass and the third is throttled.
  assert.equal((await ask(key)).status, 200);
  await env.rig.gw.gateway.inference.requestLog.flush();
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await ask(key));
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 429]);
  assert.equal(answers[2]!.body.error.type, 'rate_limit_error');
  assert.match(answers[2]!.body.error.message, /this budget may make at most 2 requests a minute/);
  const events = await api(`/budgets/${set.body.id}/events`);
  assert.deepEqual(events.body.data.map((e: any) => [e.pct, e.action]), [[50, 'notify'], [100, 'throttle']]);
  assert.ok(events.body.data.every((e: any) => e.spent_usd > 0 && e.period_start === set.body.period_start));
});

test('ccag budgets: set, list, show and clear; team admins only within their team', async () => {
  const home = cliHome();
  await ccag(['login', env.rig.gw.url, '--username', 'admin', '--password-stdin'], { stdin: adminPassword, home });
  await ccag(['teams', 'create', 'blue'], { home });
  const set = await ccag(['budgets', 'set', '--team', 'blue', '--amount', '250', '--period', 'monthly', '--rule', '75:notify', '--rule', '90:throttle=10', '--rule', '100:block', '--json'], { home });
  assert.equal(set.code, 0, set.stderr);
  const budget = JSON.parse(set.stdout);
  assert.equal(budget.amount_usd, 250);
  assert.deepEqual(budget.rules, [{ pct: 75, action: 'notify' }, { pct: 90, action: 'throttle', rpm: 10 }, { pct: 100, action: 'block' }]);
  const shown = JSON.parse((await ccag(['budgets', 'show', '--team', 'blue', '--json'], { home })).stdout);
  assert.equal(shown.id, budget.id);
  assert.ok(JSON.parse((await ccag(['budgets', 'list', '--json'], { home })).stdout).some((b: any) => b.target === 'blue'));
  const badRule = await ccag(['budgets', 'set', '--team', 'blue', '--amount', '5', '--rule', '80:explode'], { home });
  assert.equal(badRule.code, 2);
  assert.match(badRule.stderr, /is not PERCENT:notify/);
  const twoTargets = await ccag(['budgets', 'set', '--team', 'blue', '--user', 'x@y.z', '--amount', '5'], { home });
  assert.equal(twoTargets.code, 2);

  await api('/users', { method: 'POST', body: { email: 'lead@blue.io', role: 'team_admin', team: 'blue', password: adminPassword } });
  const lead = await http(`${env.rig.gw.url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'lead@blue.io', password: adminPassword } });
  const own = await http(`${env.rig.gw.url}/admin/v1/budgets`, { method: 'PUT', token: lead.body.token, body: { scope: 'user', target: 'lead@blue.io', amount_usd: 5 } });
  assert.equal(own.status, 200);
  const other = await http(`${env.rig.gw.url}/admin/v1/budgets`, { method: 'PUT', token: lead.body.token, body: { scope: 'team', target: 'slow', amount_usd: 5 } });
  assert.equal(other.status, 403);
  const seen = await http(`${env.rig.gw.url}/admin/v1/budgets`, { token: lead.body.token });
  assert.deepEqual(seen.body.data.map((b: any) => b.target).sort(), ['blue', 'lead@blue.io']);

  const keyed = JSON.parse((await ccag(['keys', 'create', '--name', 'capped', '--budget', '12.5', '--json'], { home })).stdout);
  const keyBudget = JSON.parse((await ccag(['budgets', 'show', '--key', keyed.prefix, '--json'], { home })).stdout);
  assert.equal(keyBudget.amount_usd, 12.5);
  assert.equal(keyBudget.period, 'monthly');
  // A rotated key keeps its budget.
  const rotated = JSON.parse((await ccag(['keys', 'rotate', keyed.prefix, '--json'], { home })).stdout);
  const carried = JSON.parse((await ccag(['budgets', 'show', '--key', rotated.prefix, '--json'], { home })).stdout);
  assert.equal(carried.amount_usd, 12.5);
  assert.equal((await ccag(['budgets', 'clear', '--team', 'blue'], { home })).code, 0);
  assert.equal((await ccag(['budgets', 'show', '--team', 'blue'], { home })).code, 4);
});
