import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { dbKinds } from '../../helpers/db.js';
import { adminPassword, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

/** The value a percentile is reported as: the middle of its 1.25× log bucket (docs/admin-api.md). */
const reported = (ms: number) => (ms < 1 ? 0 : Math.round(1.25 ** (Math.min(71, 1 + Math.floor(Math.log(ms) / Math.log(1.25))) - 0.5)));
/** Nearest-rank percentile of raw values. */
const nearestRank = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1]!;

for (const kind of dbKinds) {
  describe(`analytics on ${kind}`, () => {
    const env = useInferenceRig(kind);
    const url = (path: string) => `${env.rig.gw.url}/admin/v1${path}`;
    const api = (path: string, token = env.rig.admin) => http(url(path), { token });
    const post = (path: string, body: unknown) => http(url(path), { method: 'POST', token: env.rig.admin, body });
    const ask = (key: string, model: string, content: string, tools?: unknown[]) =>
      http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model, max_tokens: 50, messages: [{ role: 'user', content }], ...(tools && { tools }) } });
    const login = async (username: string) => (await http(url('/auth/login'), { method: 'POST', body: { username, password: adminPassword } })).body.token as string;
    const raw = async <T = any>(sql: string, params: unknown[] = []) => (await env.db.db.query<T>(sql, params)).rows;
    const tokens = { ann: '', lead: '', carl: '' };

    before(async () => {
      await post('/teams', { name: 'red' });
      await post('/teams', { name: 'blue' });
      await post('/users', { email: 'ann@red.io', team: 'red', password: adminPassword });
      await post('/users', { email: 'lead@red.io', team: 'red', role: 'team_admin', password: adminPassword });
      await post('/users', { email: 'carl@blue.io', team: 'blue', password: adminPassword });
      const annKey = (await post('/keys', { name: 'ann', user: 'ann@red.io' })).body.key;
      const carlKey = (await post('/keys', { name: 'carl', user: 'carl@blue.io' })).body.key;
      const bash = [{ name: 'Bash', description: 'run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }];
      for (let i = 0; i < 3; i++) assert.equal((await ask(annKey, 'claude-haiku-4-5', `question ${i}`)).status, 200);
      assert.equal((await ask(annKey, 'claude-haiku-4-5', '[[tool:Bash {"command":"ls"}]]', bash)).status, 200);
      for (let i = 0; i < 2; i++) assert.equal((await ask(carlKey, 'claude-sonnet-4-5', `a longer question number ${i} `.repeat(20))).status, 200);
      assert.equal((await ask(carlKey, 'claude-sonnet-4-5', '[[too-long]]')).status, 400);
      tokens.ann = await login('ann@red.io');
      tokens.lead = await login('lead@red.io');
      tokens.carl = await login('carl@blue.io');
    });

    test('the summary adds up what went through the gateway: requests, errors, people, spend, tokens, latency', async () => {
      const res = await api('/analytics/summary');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const [sums] = await raw(`SELECT count(*)::int AS requests, (sum(cost_micros) / 1000000.0)::float8 AS spend, sum(input_tokens)::int AS input,
        sum(output_tokens)::int AS output, sum(cache_read_tokens)::int AS cache_read, count(DISTINCT user_id)::int AS users FROM requests`);
      const s = res.body;
      assert.equal(s.requests, 7);
      assert.equal(sums.requests, 7);
      assert.equal(s.errors, 1);
      assert.equal(s.active_users, 2);
      assert.equal(s.spend_usd, sums.spend);
      assert.ok(s.spend_usd > 0);
      assert.equal(s.input_tokens, sums.input);
      assert.equal(s.output_tokens, sums.output);
      assert.equal(s.cache_read_tokens, sums.cache_read);
      assert.equal(s.cache_hit_rate, sums.cache_read / (sums.input + sums.cache_read + s.cache_write_tokens || 1));
      assert.equal(s.web_searches, 0);
      const latencies = (await raw<{ ms: number }>('SELECT latency_ms AS ms FROM requests WHERE latency_ms IS NOT NULL')).map((r) => r.ms);
      const ttfts = (await raw<{ ms: number }>('SELECT ttft_ms AS ms FROM requests WHERE ttft_ms IS NOT NULL')).map((r) => r.ms);
      for (const q of [0.5, 0.95, 0.99] as const) {
        const p = `p${Math.round(q * 100)}` as 'p50';
        assert.equal(s.latency_ms[p], reported(nearestRank(latencies, q)), `latency ${p}`);
        assert.equal(s.ttft_ms[p], reported(nearestRank(ttfts, q)), `ttft ${p}`);
      }
      // The default range: 30 days back, in whole UTC days (the ranges are over 2 days long).
      assert.equal(new Date(s.since).getUTCHours(), 0);
      assert.ok(Date.now() - new Date(s.since).getTime() >= 30 * 86_400_000);
      assert.ok(new Date(s.until).getTime() > Date.now());

      const empty = await api(`/analytics/summary?until=${encodeURIComponent(new Date(Date.now() - 3 * 86_400_000).toISOString())}`);
      assert.equal(empty.body.requests, 0);
      assert.equal(empty.body.cache_hit_rate, 0);
      assert.deepEqual(empty.body.latency_ms, { p50: null, p95: null, p99: null });
      const haiku = await api('/analytics/summary?model=claude-haiku-4-5&since=2h');
      assert.equal(haiku.body.requests, 4);
      assert.equal(haiku.body.active_users, 1);
      assert.equal((await api('/analytics/summary?endpoint=no-such-endpoint')).body.requests, 0);
    });

    test('time series come in contiguous buckets, per group with labels, and the series add up', async () => {
      const hourly = await api('/analytics/timeseries?metric=requests&group_by=user&since=24h');
      assert.equal(hourly.status, 200, JSON.stringify(hourly.body));
      const t = hourly.body;
      assert.equal(t.granularity, 'hour');
      assert.equal(t.metric, 'requests');
      assert.equal(t.group_by, 'user');
      assert.ok(t.buckets.length === 24 || t.buckets.length === 25, String(t.buckets.length));
      for (let i = 1; i < t.buckets.length; i++) assert.equal(Date.parse(t.buckets[i]) - Date.parse(t.buckets[i - 1]), 3_600_000);
      const byLabel = Object.fromEntries(t.series.map((s: any) => [s.label, s]));
      assert.deepEqual(Object.keys(byLabel).sort(), ['ann@red.io', 'carl@blue.io']);
      assert.equal(byLabel['ann@red.io'].key, (await raw(`SELECT id::text FROM users WHERE email = 'ann@red.io'`))[0].id);
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      assert.equal(sum(byLabel['ann@red.io'].values), 4);
      assert.equal(sum(byLabel['carl@blue.io'].values), 3);
      const perHour = await raw<{ h: Date; n: number }>(`SELECT date_trunc('hour', r.at, 'UTC') AS h, count(*)::int AS n FROM requests r JOIN users u ON u.id = r.user_id WHERE u.email = 'carl@blue.io' GROUP BY 1`);
      for (const { h, n } of perHour) assert.equal(byLabel['carl@blue.io'].values[t.buckets.indexOf(new Date(h).toISOString())], n);

      const daily = (await api('/analytics/timeseries?metric=spend_usd&group_by=model&since=7d&granularity=day')).body;
      assert.equal(daily.buckets.length, 8);
      assert.equal(daily.buckets[0], new Date(Math.floor((Date.now() - 7 * 86_400_000) / 86_400_000) * 86_400_000).toISOString());
      const spendByModel = await raw<{ model: string; spend: number }>('SELECT model, (sum(cost_micros) / 1000000.0)::float8 AS spend FROM requests GROUP BY 1 ORDER BY 2 DESC');
      assert.deepEqual(daily.series.map((s: any) => s.label), spendByModel.map((r) => r.model));
      for (const [i, { spend }] of spendByModel.entries()) assert.ok(Math.abs(sum(daily.series[i].values) - spend) < 1e-9);

      const total = (await api('/analytics/timeseries?metric=active_users&since=3w&granularity=week')).body;
      assert.equal(new Date(total.buckets[0]).getUTCDay(), 1, 'weeks start on Monday');
      assert.deepEqual(total.series.map((s: any) => [s.key, s.label, Math.max(...s.values)]), [['total', 'total', 2]]);
      const errors = (await api('/analytics/timeseries?metric=errors&group_by=team')).body;
      assert.deepEqual(errors.series.map((s: any) => [s.label, s.values.reduce((a: number, b: number) => a + b, 0)]), [['blue', 1], ['red', 0]]);
    });

    test('latency percentiles per bucket are null where nothing ran', async () => {
      const res = await api('/analytics/latency?since=6h');
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const l = res.body;
      assert.equal(l.granularity, 'hour');
      assert.equal(l.latency_ms.p50.length, l.buckets.length);
      assert.equal(l.latency_ms.p50[0], null);
      assert.equal(l.ttft_ms.p99[0], null);
      const perHour = await raw<{ h: Date; latency: number[]; ttft: number[] }>(
        `SELECT date_trunc('hour', at, 'UTC') AS h, array_agg(latency_ms) AS latency, array_agg(ttft_ms) FILTER (WHERE ttft_ms IS NOT NULL) AS ttft FROM requests GROUP BY 1`,
      );
      for (const { h, latency, ttft } of perHour) {
        const i = l.buckets.indexOf(new Date(h).toISOString());
        assert.equal(l.latency_ms.p95[i], reported(nearestRank(latency, 0.95)));
        assert.equal(l.ttft_ms.p50[i], reported(nearestRank(ttft, 0.5)));
      }
    });

    test('breakdowns by team, model and tool are sorted by spend and match the request log', async () => {
      const teams = (await api('/analytics/breakdown?by=team')).body.data;
      const expected = await raw(`SELECT t.name, count(*)::int AS requests, count(*) FILTER (WHERE r.status >= 400)::int AS errors,
        (sum(r.cost_micros) / 1000000.0)::float8 AS spend, sum(r.input_tokens)::int AS input, sum(r.output_tokens)::int AS output
        FROM requests r JOIN teams t ON t.id = r.team_id GROUP BY 1 ORDER BY spend DESC`);
      assert.deepEqual(
        teams.map((r: any) => [r.label, r.requests, r.errors, r.spend_usd, r.input_tokens, r.output_tokens]),
        expected.map((r) => [r.name, r.requests, r.errors, r.spend, r.input, r.output]),
      );
      assert.ok(teams.every((r: any) => typeof r.latency_p50_ms === 'number' && r.cache_read_tokens >= 0 && r.cache_write_tokens >= 0));
      const tools = (await api('/analytics/breakdown?by=tool')).body.data;
      assert.deepEqual(tools.map((r: any) => [r.key, r.label, r.requests]), [['Bash', 'Bash', 1]]);
      const [bashCost] = await raw(`SELECT (cost_micros / 1000000.0)::float8 AS spend FROM requests WHERE 'Bash' = ANY (tool_names)`);
      assert.equal(tools[0].spend_usd, bashCost.spend);
      const byEndpoint = (await api('/analytics/breakdown?by=endpoint')).body.data;
      assert.equal(byEndpoint.reduce((a: number, r: any) => a + r.requests, 0), 7);
    });

    test('a member sees only their own usage, a team admin only the team, and filters beyond that see nothing', async () => {
      const own = await api('/analytics/summary', tokens.ann);
      assert.equal(own.status, 200);
      assert.equal(own.body.requests, 4);
      assert.equal(own.body.active_users, 1);
      const ownUsers = (await api('/analytics/breakdown?by=user', tokens.ann)).body.data;
      assert.deepEqual(ownUsers.map((r: any) => r.label), ['ann@red.io']);
      assert.equal((await api('/analytics/summary?user=carl@blue.io', tokens.ann)).body.requests, 0);
      assert.equal((await api('/analytics/summary?team=blue', tokens.ann)).body.requests, 0);

      const team = await api('/analytics/breakdown?by=team', tokens.lead);
      assert.deepEqual(team.body.data.map((r: any) => [r.label, r.requests]), [['red', 4]]);
      const series = (await api('/analytics/timeseries?metric=requests&group_by=user', tokens.lead)).body.series;
      assert.deepEqual(series.map((s: any) => s.label), ['ann@red.io']);
      assert.equal((await api('/analytics/summary?team=blue', tokens.lead)).body.requests, 0);
      assert.equal((await api('/analytics/latency?user=carl@blue.io', tokens.lead)).body.latency_ms.p50.every((v: unknown) => v === null), true);
      assert.equal((await api('/analytics/summary?user=ann@red.io', tokens.lead)).body.requests, 4);

      // An admin is told when a filter names nobody.
      const missing = await api('/analytics/summary?team=green');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.message, 'no team green');
    });

    test('budgets come with their period spend and a linear forecast, for those who may see them', async () => {
      assert.equal((await http(url('/budgets'), { method: 'PUT', token: env.rig.admin, body: { scope: 'user', target: 'ann@red.io', amount_usd: 5, period: 'monthly' } })).status, 200);
      assert.equal((await http(url('/budgets'), { method: 'PUT', token: env.rig.admin, body: { scope: 'team', target: 'blue', amount_usd: 0.000001, period: 'daily' } })).status, 200);
      const all = (await api('/analytics/budgets')).body.data;
      assert.deepEqual(all.map((b: any) => [b.scope, b.target_label]), [['user', 'ann@red.io'], ['team', 'blue']]);
      const [annSpend] = await raw(`SELECT (sum(cost_micros) / 1000000.0)::float8 AS spend FROM requests r JOIN users u ON u.id = r.user_id WHERE u.email = 'ann@red.io'`);
      const ann = all[0];
      assert.equal(ann.spent_usd, annSpend.spend);
      assert.equal(ann.remaining_usd, 5 - annSpend.spend);
      assert.equal(ann.period, 'monthly');
      const start = Date.parse(ann.period_start);
      const end = Date.parse(ann.period_end);
      const expected = ann.spent_usd * ((end - start) / Math.max(3_600_000, Date.now() - start));
      assert.ok(Math.abs(ann.forecast_usd - expected) / expected < 0.01, `${ann.forecast_usd} vs ${expected}`);
      assert.equal(ann.forecast_exceeds, ann.forecast_usd > 5);
      assert.equal(all[1].forecast_exceeds, true);
      const annView = (await api('/analytics/budgets', tokens.ann)).body.data;
      assert.deepEqual(annView.map((b: any) => b.target_label), ['ann@red.io']);
      assert.deepEqual((await api('/analytics/budgets', tokens.carl)).body.data.map((b: any) => b.target_label), ['blue']);
    });

    test('bad parameters are refused with a 400 that names the parameter', async () => {
      const cases: [string, RegExp][] = [
        ['/analytics/summary?since=yesterday', /query parameter since: must be an RFC 3339 timestamp or a duration/],
        ['/analytics/summary?until=soon', /query parameter until:/],
        ['/analytics/summary?since=1h&until=2h', /query parameter since: must be before until/],
        ['/analytics/latency?granularity=month', /query parameter granularity:/],
        ['/analytics/latency?since=900d&granularity=hour', /query parameter granularity: 21\d\d\d hours is too many buckets/],
        ['/analytics/timeseries?metric=vibes', /query parameter metric:/],
        ['/analytics/timeseries?group_by=planet', /query parameter group_by:/],
        ['/analytics/breakdown?by=planet', /query parameter by:/],
        ['/analytics/budgets?colour=red', /colour/],
      ];
      for (const [path, message] of cases) {
        const res = await api(path);
        assert.equal(res.status, 400, path);
        assert.equal(res.body.type, 'error');
        assert.equal(res.body.error.type, 'invalid_request_error');
        assert.match(res.body.error.message, message, path);
      }
    });
  });
}
