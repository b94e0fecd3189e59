/**
 * `npm run bench`: what the gateway costs, against the Bedrock emulator on loopback. Each
 * target runs as its own process; this script is the load generator. Targets:
 *   direct       load generator → emulator (Bedrock's form): the floor
 *   passthrough  → a raw node:http proxy with no translation → emulator: the Node floor
 *   ccag         → ccag serve (virtual key with budget and limits, accounting, metrics) → emulator
 *   shim         → bench/anthropic-shim.ts (Anthropic form) → emulator: the peer's floor
 *   peer         → @portkey-ai/gateway → shim → emulator (see bench/peer.ts)
 * Each workload runs closed-loop (BENCH_CONCURRENCY clients: maximum throughput), then
 * open-loop at half of ccag's maximum (the latency added at a steady load). Then 1,000
 * slow streams at once, for memory. See docs/performance.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Agent, request } from 'undici';
import { closedLoop, closeLoad, openLoop, type LoadResult, type Target } from './load.js';
import { peerHeaders, peerServerScript, peerVersion } from './peer.js';
import { cpuSeconds, peakRssMb, postgresCpuSeconds, resetPeakRss, rssMb } from './procstat.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ccag = join(root, 'bin', 'ccag');
const settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 16),
  idleStreams: Number(process.env.BENCH_IDLE_STREAMS ?? 1000),
  /** Comma-separated subset of targets or workloads (by name prefix), to run fewer. */
  targets: process.env.BENCH_TARGETS?.split(','),
  /** BENCH_WORKERS=N (N > 1, Postgres only): a second ccag target, `ccag serve --workers N`, beside the one-process one. */
  workers: Number(process.env.BENCH_WORKERS ?? 1),
  workloads: process.env.BENCH_WORKLOADS?.split(','),
  /** Steady-rate runs per target (interleaved across targets); the run with the median p50 is kept. */
  repeat: Math.max(1, Math.floor(Number(process.env.BENCH_REPEAT ?? 1)) || 1),
  bedrockHttp: process.env.BENCH_BEDROCK_HTTP ?? '1.1',
  auth: process.env.BENCH_AUTH === 'sigv4' ? 'sigv4' : 'api-key',
};
const bedrockModelId = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
/**
 * @portkey-ai/gateway 1.15.2 answers every streamed /v1/messages through its anthropic
 * provider with 500 "Something went wrong" (its log: "TypeError: immutable", from appending
 * its headers to the upstream fetch Response's immutable headers), so the peer's streaming
 * rows are left out unless BENCH_PEER_STREAMS=1 (for a version that fixes it).
 */
const peerStreams = process.env.BENCH_PEER_STREAMS === '1';

interface Proc {
  child: ChildProcess;
  url: string;
  pid: number;
}

/** Every process started, stopped at the end (or on failure), and the database to drop then. */
const processes: ChildProcess[] = [];
let dropDatabase = async () => {};

/** Starts a node process and waits for the line that says where it listens. */
function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    processes.push(child);
    let out = '';
    let started = false;
    const onData = (d: Buffer) => {
      if (started) return; // keep draining the pipe, stop collecting
      out += d;
      const match = ready.exec(out);
      if (match) {
        started = true;
        resolve({ child, url: match[1]!, pid: child.pid! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      if (!started) reject(new Error(`${args.join(' ')} exited ${code}: ${out}`));
    });
  });
}

const tsx = (script: string, ...args: string[]) => ['--import', 'tsx', join(root, 'bench', script), ...args];

/** The database ccag runs on: a fresh Postgres database when one is reachable, else the embedded PGlite. */
async function benchDatabase(): Promise<{ kind: 'postgres' | 'pglite'; env: Record<string, string>; local: boolean; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (adminUrl) {
    const name = `ccag_bench_${randomBytes(6).toString('hex')}`;
    try {
      const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        kind: 'postgres',
        env: { DATABASE_URL: url.toString(), CCAG_SECRET_KEY: randomBytes(32).toString('base64') },
        // On this machine: its processes' CPU can be read from /proc.
        local: ['127.0.0.1', 'localhost', '[::1]', ''].includes(url.hostname),
        async drop() {
          const c = new pg.Client({ connectionString: adminUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        },
      };
    } catch (err) {
      console.error(`Postgres at ${new URL(adminUrl).host} not usable (${(err as Error).message}); using the embedded database`);
    }
  }
  // PGlite runs inside the gateway: its CPU is the gateway's.
  return { kind: 'pglite', env: { CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-bench-')) }, local: false, drop: async () => {} };
}

/**
 * Starts `ccag serve` against the emulator, as production runs it (log level info: one line
 * per request). All of the gateway's start-up is here, so that options (workers…) go in one place.
 */
async function startGateway(emulatorUrl: string, database: Record<string, string>, workers = 1): Promise<Proc> {
  return startProcess(
    [ccag, 'serve', '--port', '0', '--workers', String(workers), '--bedrock-endpoint', emulatorUrl, '--region', 'us-east-1'],
    {
      ...database,
      CCAG_ADMIN_PASSWORD: 'bench-password-123',
      AWS_ACCESS_KEY_ID: 'ccag-emulator',
      AWS_SECRET_ACCESS_KEY: 'ccag-emulator-secret',
      // Like the direct runs, authenticate to "Bedrock" with its API key (no SigV4 on either
      // side) unless BENCH_AUTH=sigv4 asks to include signing in the gateway's cost.
      ...(settings.auth === 'sigv4' ? {} : { AWS_BEARER_TOKEN_BEDROCK: 'ccag-emulator-bearer' }),
      CCAG_BEDROCK_HTTP: settings.bedrockHttp,
    },
    // With workers, the primary says "ready" once every worker listens.
    workers > 1 ? /"url":"(http:\/\/[^"]+)".*"msg":"ready"/ : /"url":"(http:\/\/[^"]+)".*ccag gateway listening/,
  );
}

/** A virtual key with a budget and rpm/tpm/concurrency limits to enforce (never reached). */
async function createVirtualKey(gatewayUrl: string): Promise<string> {
  const post = async (path: string, body: object, token?: string) =>
    (await request(`${gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    })).body.json() as Promise<Record<string, string>>;
  const { token } = await post('/admin/v1/auth/login', { username: 'admin', password: 'bench-password-123' });
  const created = await post('/admin/v1/keys', { name: 'bench', budget_usd: 1_000_000, rpm: 10_000_000, tpm: 100_000_000, concurrency: 100_000 }, token);
  if (!created.key) throw new Error(`could not create a virtual key: ${JSON.stringify(created)}`);
  return created.key;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A Claude Code–sized request body (~50 KB: system prompt, tool schemas, history). */
function largeBody(): Record<string, unknown> {
  const tools = Array.from({ length: 24 }, (_, i) => ({
    name: `Tool${i}`,
    description: 'Performs an operation on the workspace. '.repeat(12),
    input_schema: { type: 'object', properties: { path: { type: 'string', description: 'x'.repeat(200) }, mode: { type: 'string', enum: ['a', 'b', 'c'] } }, required: ['path'] },
  }));
  const history = Array.from({ length: 10 }, (_, i) => [
    { role: 'user', content: `Question ${i}: ` + 'please look at the file and explain it. '.repeat(20) },
    { role: 'assistant', content: `Answer ${i}: ` + 'the file defines a function that does things. '.repeat(20) },
  ]).flat();
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 4096,
    system: [{ type: 'text', text: 'You are Claude Code. '.repeat(400), cache_control: { type: 'ephemeral' } }],
    tools,
    messages: [...history, { role: 'user', content: 'continue' }],
  };
}

interface Workload {
  name: string;
  stream: boolean;
  /** The request in Anthropic's form. */
  body: Record<string, unknown>;
}

const small = (text: string, stream: boolean) => ({ model: 'claude-sonnet-4-5', max_tokens: 1000, stream, messages: [{ role: 'user', content: text }] });
const workloads: Workload[] = [
  { name: 'non-streaming small', stream: false, body: small('hi', false) },
  { name: 'non-streaming 50 KB', stream: false, body: largeBody() },
  { name: 'streaming 20 chunks', stream: true, body: small('hi [[long:20]]', true) },
  { name: 'streaming 500 chunks', stream: true, body: small('hi [[long:500]]', true) },
];

/** Anthropic form → Bedrock's InvokeModel body. */
function bedrockBody(body: Record<string, unknown>): string {
  const { model: _m, stream: _s, ...rest } = body;
  return JSON.stringify({ ...rest, anthropic_version: 'bedrock-2023-05-31' });
}

interface Row extends LoadResult {
  workload: string;
  target: string;
  mode: string;
  /** Server-process CPU seconds per 1,000 requests, and its peak RSS in the window. */
  cpuPer1000: number;
  /** CPU seconds of the local Postgres per 1,000 requests (ccag on a local Postgres only). */
  dbCpuPer1000: number;
  peakRssMb: number;
  /** Latency over the floor of the same mode (direct; the shim for the peer). */
  addedP50?: number;
  addedP99?: number;
  addedTtfbP50?: number;
  /** Steady runs this row was chosen from (BENCH_REPEAT). */
  repeats?: number;
  /** Each steady run's p50, p99 and max, in the order run (BENCH_REPEAT > 1). */
  runs?: { p50: number; p99: number; max: number }[];
}

interface Server {
  name: string;
  pid: number;
  target: (w: Workload) => Target;
  /** Its database is the local Postgres: the database's CPU is read too. */
  usesDatabase?: boolean;
  /** False for workloads the server cannot serve (their rows are left out). */
  serves?: (w: Workload) => boolean;
}

async function measure(server: Server, w: Workload, mode: { clients: number } | { rate: number }): Promise<Row> {
  let cpuStart = 0;
  let cpuUsed = 0;
  let dbStart = 0;
  let dbUsed = NaN;
  const result = await ('clients' in mode ? closedLoop : openLoop)(server.target(w), 'clients' in mode ? mode.clients : mode.rate, {
    warmupSeconds: settings.warmupSeconds,
    seconds: settings.seconds,
    onMeasureStart: () => {
      cpuStart = cpuSeconds(server.pid);
      if (server.usesDatabase) dbStart = postgresCpuSeconds();
      resetPeakRss(server.pid);
    },
    onMeasureEnd: () => {
      cpuUsed = cpuSeconds(server.pid) - cpuStart;
      if (server.usesDatabase) dbUsed = postgresCpuSeconds() - dbStart;
    },
  });
  return {
    workload: w.name,
    target: server.name,
    mode: 'clients' in mode ? `${mode.clients} clients` : `${Math.round(mode.rate)}/s`,
    ...result,
    cpuPer1000: result.requests ? (cpuUsed / result.requests) * 1000 : NaN,
    dbCpuPer1000: result.requests ? (dbUsed / result.requests) * 1000 : NaN,
    peakRssMb: peakRssMb(server.pid),
  };
}

/** 1,000 slow streams at once through a server: its RSS before, and its peak while they are open. */
async function idleStreams(server: Server): Promise<{ target: string; streams: number; opened: number; rssMbBefore: number; peakRssMb: number; kbPerStream: number }> {
  const agent = new Agent({ connections: settings.idleStreams + 10 });
  const target = server.target({ name: 'idle', stream: true, body: small('slow [[slow:250]] [[long:16]]', true) });
  const before = rssMb(server.pid);
  resetPeakRss(server.pid);
  let opened = 0;
  const streams = Array.from({ length: settings.idleStreams }, () =>
    request(target.url, { method: 'POST', headers: target.headers, body: target.body, dispatcher: agent })
      .then(async (res) => {
        if (res.statusCode === 200) opened++;
        await res.body.text();
      })
      .catch(() => undefined),
  );
  await Promise.all(streams);
  await agent.close();
  const peak = peakRssMb(server.pid);
  return { target: server.name, streams: settings.idleStreams, opened, rssMbBefore: Math.round(before), peakRssMb: Math.round(peak), kbPerStream: Math.round(((peak - before) * 1024) / settings.idleStreams) };
}

/** The run whose p50 is the median of a target's repeated runs, with how many there were. */
function medianRun(runs: Row[]): Row {
  const sorted = [...runs].sort((a, b) => a.p50 - b.p50);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, repeats: runs.length, runs: runs.map(({ p50, p99, max }) => ({ p50, p99, max })) };
}

const selected = <T extends { name: string }>(items: T[], names?: string[]) => (names ? items.filter((i) => names.some((n) => i.name.startsWith(n))) : items);

async function main() {
  const database = await benchDatabase();
  dropDatabase = database.drop;
  const emulator = await startProcess([ccag, 'emulator', '--port', '0'], {}, /listening on (http:\/\/[\d.:]+)/);
  const passthrough = await startProcess(tsx('passthrough.ts', emulator.url), {}, /listening on (http:\/\/[\d.:]+)/);
  const gateway = await startGateway(emulator.url, database.env);
  const key = await createVirtualKey(gateway.url);
  if (settings.workers > 1 && database.kind !== 'postgres') throw new Error('BENCH_WORKERS needs Postgres (workers refuse the embedded database)');
  // The second gateway shares the first one's database (and so its key); only the primary's CPU and RSS are read.
  const cluster = settings.workers > 1 ? await startGateway(emulator.url, database.env, settings.workers) : undefined;
  const shim = await startProcess(tsx('anthropic-shim.ts', emulator.url, bedrockModelId), {}, /listening on (http:\/\/[\d.:]+)/);
  const peerScript = peerServerScript();
  const peerPort = await freePort();
  const peer = peerScript
    ? await startProcess([peerScript, `--port=${peerPort}`, '--headless'], { NODE_ENV: 'production' }, /(Ready) for connections/).then((p) => ({ ...p, url: `http://127.0.0.1:${peerPort}` }))
    : undefined;

  const bedrockPath = (w: Workload) => `/model/${encodeURIComponent(bedrockModelId)}/${w.stream ? 'invoke-with-response-stream' : 'invoke'}`;
  const bedrockHeaders = { authorization: 'Bearer ccag-emulator-bearer', 'content-type': 'application/json' };
  const servers: Server[] = selected(
    [
      { name: 'direct', pid: emulator.pid, target: (w) => ({ name: 'direct', url: emulator.url + bedrockPath(w), headers: bedrockHeaders, body: bedrockBody(w.body) }) },
      { name: 'passthrough', pid: passthrough.pid, target: (w) => ({ name: 'passthrough', url: passthrough.url + bedrockPath(w), headers: bedrockHeaders, body: bedrockBody(w.body) }) },
      {
        name: 'ccag',
        pid: gateway.pid,
        usesDatabase: database.local,
        target: (w) => ({ name: 'ccag', url: `${gateway.url}/v1/messages`, headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(w.body) }),
      },
      ...(cluster
        ? [
            {
              name: `ccag x${settings.workers}`,
              pid: cluster.pid,
              usesDatabase: database.local,
              target: (w: Workload) => ({ name: `ccag x${settings.workers}`, url: `${cluster.url}/v1/messages`, headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(w.body) }),
            },
          ]
        : []),
      { name: 'shim', pid: shim.pid, target: (w) => ({ name: 'shim', url: `${shim.url}/v1/messages`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(w.body) }) },
      ...(peer
        ? [
            {
              name: 'peer',
              pid: peer.pid,
              target: (w: Workload) => ({ name: 'peer', url: `${peer.url}/v1/messages`, headers: peerHeaders(shim.url), body: JSON.stringify(w.body) }),
              serves: (w: Workload) => !w.stream || peerStreams,
            },
          ]
        : []),
    ],
    settings.targets,
  );

  const rows: Row[] = [];
  for (const w of selected(workloads, settings.workloads)) {
    const max: Row[] = [];
    const serving = servers.filter((s) => s.serves?.(w) ?? true);
    for (const s of serving) max.push(await measure(s, w, { clients: settings.concurrency }));
    // The latency added at a steady load: half of ccag's maximum throughput, for every target.
    const rate = (max.find((r) => r.target === 'ccag') ?? max[0]!).rps / 2;
    // Repeats go round the targets, so that a stall of the machine spoils one run of one
    // target, not every run of it; each target keeps its run with the median p50.
    const runs: Row[][] = serving.map(() => []);
    if (rate > 0) {
      for (let i = 0; i < settings.repeat; i++) {
        for (const [j, s] of serving.entries()) {
          const run = await measure(s, w, { rate });
          runs[j]!.push(run);
          if (settings.repeat > 1) console.error(`  ${w.name}, ${s.name}, run ${i + 1}: p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, max ${run.max.toFixed(1)} ms`);
        }
      }
    }
    const steady = runs.filter((r) => r.length).map(medianRun);
    for (const group of [max, steady]) {
      for (const r of group) {
        const floor = group.find((f) => f.target === (r.target === 'peer' ? 'shim' : 'direct'));
        if (!floor || floor === r) continue;
        r.addedP50 = r.p50 - floor.p50;
        r.addedP99 = r.p99 - floor.p99;
        r.addedTtfbP50 = r.ttfbP50 - floor.ttfbP50;
      }
    }
    rows.push(...max, ...steady);
    console.error(`done: ${w.name}`);
  }
  const memory = [];
  const idle: Workload = { name: 'idle', stream: true, body: {} };
  if (settings.idleStreams > 0) for (const s of servers.filter((s) => s.name !== 'direct' && (s.serves?.(idle) ?? true))) memory.push(await idleStreams(s));
  await closeLoad();

  const find = (workload: string, target: string, steady: boolean) => rows.find((r) => r.workload === workload && r.target === target && r.mode.endsWith('/s') === steady);
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : NaN);
  const stream20 = find('streaming 20 chunks', 'ccag', true);
  const stream500 = find('streaming 500 chunks', 'ccag', true);
  const targets = {
    addedP50AtHalfMaxMs: find('non-streaming small', 'ccag', true)?.addedP50,
    addedP99AtHalfMaxMs: find('non-streaming small', 'ccag', true)?.addedP99,
    addedP50AtHalfMax50KbMs: find('non-streaming 50 KB', 'ccag', true)?.addedP50,
    addedP99AtHalfMax50KbMs: find('non-streaming 50 KB', 'ccag', true)?.addedP99,
    throughput50KbVsPassthrough: ratio(find('non-streaming 50 KB', 'ccag', false)?.rps, find('non-streaming 50 KB', 'passthrough', false)?.rps),
    throughput50KbVsPeer: ratio(find('non-streaming 50 KB', 'ccag', false)?.rps, find('non-streaming 50 KB', 'peer', false)?.rps),
    streamingTtfbAddedMs: stream20?.addedTtfbP50,
    perChunkRelayUs: stream20?.addedP50 !== undefined && stream500?.addedP50 !== undefined ? ((stream500.addedP50 - stream20.addedP50) / 480) * 1000 : undefined,
    idleStreamsPeakRssMb: memory.find((m) => m.target === 'ccag')?.peakRssMb,
    ...(cluster
      ? Object.fromEntries(
          selected(workloads, settings.workloads).map((w) => [`throughputX${settings.workers}Workers ${w.name}`, ratio(find(w.name, `ccag x${settings.workers}`, false)?.rps, find(w.name, 'ccag', false)?.rps)]),
        )
      : {}),
  };

  const f = (n: unknown, digits = 2) => (typeof n === 'number' && !Number.isNaN(n) ? (Number.isInteger(n) ? String(n) : n.toFixed(digits)) : '');
  const about = `${settings.seconds}s per run after ${settings.warmupSeconds}s warm-up${settings.repeat > 1 ? `, steady rows the median of ${settings.repeat} runs` : ''}; ccag on ${database.kind === 'postgres' ? 'Postgres' : 'PGlite (embedded)'}, to the emulator over HTTP/${settings.bedrockHttp} with ${settings.auth === 'sigv4' ? 'SigV4' : 'the API key'}; peer @portkey-ai/gateway@${peerVersion}${peer ? (peerStreams ? '' : ' (non-streaming only)') : ' (not installed: skipped)'}; node ${process.version}`;
  console.log(`\nccag bench: ${about}\n`);
  const header = ['workload', 'target', 'load', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'ttfb p50', 'added p50', 'added p99', 'added ttfb', 'CPU s/1k req', 'DB CPU s/1k req', 'peak RSS MB', 'errors'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) {
    console.log(`| ${[r.workload, r.target, r.mode, f(r.rps, 0), f(r.p50), f(r.p90), f(r.p99), f(r.max), f(r.ttfbP50), f(r.addedP50), f(r.addedP99), f(r.addedTtfbP50), f(r.cpuPer1000, 3), f(r.dbCpuPer1000, 3), f(r.peakRssMb, 0), r.errors].join(' | ')} |`);
  }
  console.log(`\n| ${settings.idleStreams} slow streams at once | RSS before MB | peak RSS MB | KB per stream | opened |\n| --- | --- | --- | --- | --- |`);
  for (const m of memory) console.log(`| ${m.target} | ${m.rssMbBefore} | ${m.peakRssMb} | ${m.kbPerStream} | ${m.opened} |`);
  console.log('\nTargets (ccag):');
  for (const [name, value] of Object.entries(targets)) console.log(`  ${name}: ${f(value)}`);

  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(root, 'bench', 'results', 'latest.json'),
    JSON.stringify({ at: new Date().toISOString(), about, node: process.version, settings, database: database.kind, peer: peer ? { package: `@portkey-ai/gateway@${peerVersion}`, provider: 'anthropic', customHost: 'bench/anthropic-shim.ts' } : null, rows, memory, targets }, null, 2),
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const child of processes) child.kill('SIGTERM');
    // After the gateway has gone: DROP … WITH (FORCE) would otherwise cut its connections mid-write.
    await new Promise((r) => setTimeout(r, 1000));
    await dropDatabase().catch((err: Error) => console.error(`could not drop the bench database: ${err.message}`));
  });
