/**
 * `npm run bench:analytics`: the analytics endpoints over a million request rows. It seeds a
 * fresh Postgres database (90 days, 200 users in 20 teams, 6 models, 3 endpoints, tools,
 * errors, in Claude Code–like sessions) with INSERT … SELECT generate_series, builds the rollups with the function the
 * request writer calls (a day at a time), starts `ccag serve` on it and calls each endpoint
 * over HTTP with varied ranges and filters. Prints p50/p95/max per endpoint and writes
 * bench/results/analytics.json. BENCH_ROWS changes the row count; BENCH_CALLS the calls per endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { migrate } from '../src/db/migrate.js';
import { PostgresDb } from '../src/db/postgres.js';
import { createPostgresDatabase } from '../test/helpers/db.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
const calls = Number(process.env.BENCH_CALLS ?? 40);
const password = 'bench-password-123';
const perSession = 50;

const models = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1', 'claude-sonnet-4', 'claude-opus-4-5', 'claude-3-7-sonnet'];
const endpoints = ['us-east-1', 'us-west-2', 'eu-central-1'];
const tools = ['Bash', 'Read', 'Edit', 'Grep', 'Glob', 'Write', 'TodoWrite'];
const sqlArray = (items: string[]) => `ARRAY[${items.map((s) => `'${s}'`).join(', ')}]`;

async function seed(db: PostgresDb): Promise<{ seedSeconds: number; rollupSeconds: number }> {
  const t0 = Date.now();
  await db.query(`INSERT INTO teams (name) SELECT 'team-' || lpad(i::text, 2, '0') FROM generate_series(1, 20) i`);
  await db.query(
    `INSERT INTO users (username, email, team_id)
     SELECT 'user' || i || '@bench.io', 'user' || i || '@bench.io', (SELECT id FROM teams WHERE name = 'team-' || lpad((1 + i % 20)::text, 2, '0'))
     FROM generate_series(1, 200) i`,
  );
  // Claude Code works in sessions: a user (some far busier than others) asks 50 requests in
  // under an hour, on weekdays' working hours (UTC), with a favourite model and haiku for small
  // tasks, through their team's endpoint (sometimes failed over); log-normal-ish latencies, a
  // tool or two per response, 2% errors, the odd web search.
  await db.query(
    `WITH u AS (SELECT (row_number() OVER (ORDER BY u.email) - 1)::int AS n, u.id, u.team_id, substring(t.name, 6)::int AS tn
                FROM users u JOIN teams t ON t.id = u.team_id WHERE u.email LIKE '%@bench.io'),
     sessions AS (SELECT s, floor(200 * power(random(), 1.6))::int AS n, random() < 0.1 AS failover,
                    date_trunc('day', now(), 'UTC') - floor(random() * 90) * interval '1 day' + (7 + random() * 11) * interval '1 hour' AS start
                  FROM generate_series(1, ${Math.ceil(rows / perSession)}) s),
     x AS (SELECT ss.s * ${perSession} + k AS g, u.id AS user_id, u.team_id, u.n, u.tn, ss.failover,
                  CASE WHEN ss.start > now() - interval '1 hour' THEN ss.start - interval '1 day' ELSE ss.start END + k * random() * interval '70 seconds' AS at,
                  random() AS r2, random() AS r3, random() AS r8, random() AS r9, random() AS r10, random() AS r11,
                  floor(200 + random() * 8000)::int AS input, floor(50 + random() * 2000)::int AS output, floor(random() * 40000)::int AS cache_read,
                  CASE WHEN random() < 0.3 THEN floor(random() * 3000)::int ELSE 0 END AS cache_write
           FROM sessions ss JOIN u ON u.n = ss.n CROSS JOIN generate_series(0, ${perSession - 1}) k),
     y AS (SELECT x.*, floor(exp(ln(3000) + (r8 - 0.5) * 3 + (r9 - 0.5)))::int AS latency FROM x LIMIT ${rows})
     INSERT INTO requests (id, at, user_id, team_id, route, model, endpoint, stream, status, error_type, input_tokens, output_tokens,
       cache_read_tokens, cache_write_5m_tokens, latency_ms, ttft_ms, tool_names, cost_micros, web_searches)
     SELECT 'bench_' || g, at, user_id, team_id, 'messages',
       CASE WHEN r2 < 0.35 THEN 'claude-haiku-4-5' ELSE (${sqlArray(models)})[1 + n % 6] END,
       (${sqlArray(endpoints)})[1 + (tn + failover::int) % 3], true,
       CASE WHEN r3 < 0.02 THEN (ARRAY[429, 500, 529])[1 + floor(r9 * 3)::int] ELSE 200 END,
       CASE WHEN r3 < 0.02 THEN 'api_error' END,
       input, output, cache_read, cache_write, latency, floor(latency * (0.05 + 0.25 * r9))::int,
       CASE WHEN r10 < 0.45 THEN ARRAY[(${sqlArray(tools)})[1 + floor(r11 * 7)::int]]
            WHEN r10 < 0.55 THEN ARRAY[(${sqlArray(tools)})[1 + floor(r11 * 7)::int], 'Read'] ELSE '{}' END,
       input * 3 + output * 15 + cache_read * 3 / 10 + cache_write * 375 / 100,
       CASE WHEN r10 > 0.99 THEN 1 + floor(r11 * 3)::int ELSE 0 END
     FROM y`,
  );
  const seedSeconds = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  for (let day = 0; day <= 90; day++) {
    await db.query(
      `SELECT rollup_requests(array_agg(id)) FROM requests
       WHERE at >= date_trunc('day', now(), 'UTC') - $1 * interval '1 day' AND at < date_trunc('day', now(), 'UTC') - ($1 - 1) * interval '1 day'`,
      [day],
    );
  }
  await db.query('ANALYZE');
  return { seedSeconds, rollupSeconds: (Date.now() - t1) / 1000 };
}

/** The gateway's log, the last part of it, to explain a failed call. */
let gatewayLog = '';

function serve(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'ccag'), 'serve', '--port', '0', '--region', 'us-east-1'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, CCAG_ADMIN_PASSWORD: password, CCAG_DATA_DIR: join(root, '.ccag-data', 'bench-analytics'), CCAG_SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (d: Buffer) => {
      gatewayLog = (gatewayLog + d).slice(-20_000);
      const match = /"url":"(http:\/\/[\d.:]+)"/.exec(gatewayLog);
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`ccag serve exited ${code}: ${gatewayLog}`)));
  });
}

/** Varied ranges and filters, cycled through by every endpoint. */
const variants: Record<string, string>[] = [
  { since: '24h' },
  { since: '7d' },
  { since: '30d' },
  { since: '90d' },
  { since: '30d', team: 'team-03' },
  { since: '90d', user: 'user7@bench.io' },
  { since: '30d', model: 'claude-haiku-4-5' },
  { since: '7d', endpoint: 'us-west-2' },
  { since: '90d', granularity: 'week' },
  { since: '48h', granularity: 'hour' },
  { since: '14d', until: '7d', team: 'team-11' },
];
const metrics = ['spend_usd', 'requests', 'active_users', 'errors', 'input_tokens', 'cache_read_tokens'];
const groupings = ['none', 'team', 'user', 'model', 'endpoint'];
const breakdowns = ['team', 'user', 'model', 'endpoint', 'tool'];
const endpointQueries: Record<string, (i: number) => Record<string, string>> = {
  summary: (i) => variants[i % variants.length]!,
  timeseries: (i) => ({ ...variants[i % variants.length]!, metric: metrics[i % metrics.length]!, group_by: groupings[i % groupings.length]! }),
  latency: (i) => variants[i % variants.length]!,
  breakdown: (i) => ({ ...variants[i % variants.length]!, by: breakdowns[i % breakdowns.length]! }),
  budgets: () => ({}),
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const database = await createPostgresDatabase();
  const db = new PostgresDb(database.url);
  let gateway: ChildProcess | undefined;
  try {
    await migrate(db);
    console.log(`seeding ${rows.toLocaleString('en')} request rows…`);
    const timings = await seed(db);
    const counts = (await db.query<{ grain: string; n: number }>(`SELECT grain || CASE WHEN tool = '' THEN '' ELSE ' (per tool)' END AS grain, count(*)::int AS n FROM request_rollups GROUP BY 1 ORDER BY 1`)).rows;
    console.log(`seeded in ${timings.seedSeconds.toFixed(1)} s, rolled up in ${timings.rollupSeconds.toFixed(1)} s: ${counts.map((c) => `${c.n.toLocaleString('en')} ${c.grain} rows`).join(', ')}`);
    const started = await serve(database.url);
    gateway = started.child;
    const login = (await (await request(`${started.url}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) })).body.json()) as { token: string };
    // A monthly budget per team, with this month's usage as the budget ledger keeps it.
    await db.query(`INSERT INTO budgets (scope, target_id, amount_micros, period, rules) SELECT 'team', id, 500000000, 'monthly', '[]' FROM teams`);
    await db.query(
      `INSERT INTO budget_usage (budget_id, period_start, spent_micros)
       SELECT b.id, date_trunc('month', now(), 'UTC'), COALESCE(sum(r.cost_micros), 0) FROM budgets b
       LEFT JOIN requests r ON r.team_id = b.target_id AND r.at >= date_trunc('month', now(), 'UTC') GROUP BY b.id`,
    );
    const results: Record<string, { calls: number; p50_ms: number; p95_ms: number; max_ms: number }> = {};
    for (const [name, query] of Object.entries(endpointQueries)) {
      const times: number[] = [];
      for (let i = -3; i < calls; i++) {
        const qs = new URLSearchParams(query(Math.abs(i))).toString();
        const t0 = performance.now();
        const res = await request(`${started.url}/admin/v1/analytics/${name}?${qs}`, { headers: { authorization: `Bearer ${login.token}` } });
        const body = await res.body.text();
        if (res.statusCode !== 200) throw new Error(`${name}?${qs}: ${res.statusCode} ${body}\n${gatewayLog}`);
        if (i >= 0) times.push(performance.now() - t0); // the first three warm up
      }
      times.sort((a, b) => a - b);
      results[name] = { calls: times.length, p50_ms: percentile(times, 50), p95_ms: percentile(times, 95), max_ms: times.at(-1)! };
    }
    console.log('\nendpoint      calls   p50 ms   p95 ms   max ms');
    for (const [name, r] of Object.entries(results)) {
      console.log(`${name.padEnd(12)} ${String(r.calls).padStart(6)} ${r.p50_ms.toFixed(1).padStart(8)} ${r.p95_ms.toFixed(1).padStart(8)} ${r.max_ms.toFixed(1).padStart(8)}`);
    }
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    const out = { rows, rollup_rows: Object.fromEntries(counts.map((c) => [c.grain, c.n])), ...timings, endpoints: results, at: new Date().toISOString() };
    writeFileSync(join(root, 'bench', 'results', 'analytics.json'), JSON.stringify(out, null, 2) + '\n');
    console.log('\nwritten to bench/results/analytics.json');
  } finally {
    gateway?.kill();
    await db.close();
    await database.drop();
  }
}

await main();
