/**
 * `BENCH_WORKERS=N npm run bench`: the ccag target's throughput with `ccag serve --workers N`
 * next to one worker, both on Postgres (workers need it): a fresh database each, dropped after.
 * BENCH_DATABASE_URL (default TEST_DATABASE_URL, then the local server) names the server.
 */
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { request } from 'undici';

type Start = (args: string[], env: Record<string, string>, ready: RegExp) => Promise<{ child: ChildProcess; match: RegExpExecArray }>;
/** Runs the ccag scenarios against a gateway with a key; their requests per second by scenario name. */
type Measure = (gatewayUrl: string, key: string) => Promise<Map<string, number>>;

const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const password = 'bench-password-123';

async function withDatabase<T>(use: (url: string) => Promise<T>): Promise<T> {
  const name = `ccag_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(server);
    url.pathname = `/${name}`;
    return await use(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function measureWith(workers: number, emulatorUrl: string, env: Record<string, string>, start: Start, measure: Measure): Promise<Map<string, number>> {
  return withDatabase(async (databaseUrl) => {
    const gateway = await start(
      ['serve', '--port', '0', '--workers', String(workers), '--bedrock-endpoint', emulatorUrl, '--region', 'us-east-1'],
      { ...env, DATABASE_URL: databaseUrl, CCAG_SECRET_KEY: 'bench-secret-key-bench-secret-key-012345', CCAG_ADMIN_PASSWORD: password },
      // Printed once every worker listens.
      /"url":"(http:\/\/[^"]+)".*"msg":"ready"/,
    );
    try {
      const url = gateway.match[1]!;
      const post = async (path: string, body: unknown, token?: string) =>
        (await (await request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })).body.json()) as Record<string, string>;
      const { token } = await post('/admin/v1/auth/login', { username: 'admin', password });
      const { key } = await post('/admin/v1/keys', { name: 'bench' }, token);
      return await measure(url, key!);
    } finally {
      const exited = new Promise((r) => gateway.child.once('exit', r));
      gateway.child.kill('SIGTERM');
      await exited;
    }
  });
}

/** Prints, per scenario, requests per second with 1 and with N workers, and their ratio. */
export async function compareWorkers(workers: number, emulatorUrl: string, env: Record<string, string>, start: Start, measure: Measure): Promise<Record<string, unknown>[]> {
  const one = await measureWith(1, emulatorUrl, env, start, measure);
  const many = await measureWith(workers, emulatorUrl, env, start, measure);
  const rows = [...one].map(([scenario, rps]) => ({ scenario, workers, rps1: rps, rpsN: many.get(scenario) ?? 0, throughputRatio: (many.get(scenario) ?? 0) / rps }));
  console.log(`\nccag on Postgres, 1 worker vs --workers ${workers}\n`);
  console.log(['scenario', 'req/s 1 worker', `req/s ${workers} workers`, 'ratio'].join(' | '));
  console.log('--- | --- | --- | ---');
  for (const r of rows) console.log([r.scenario, r.rps1.toFixed(2), r.rpsN.toFixed(2), r.throughputRatio.toFixed(2)].join(' | '));
  return rows;
}
