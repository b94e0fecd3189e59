/**
 * `npm run bench`: the gateway's added latency and throughput against the Bedrock emulator,
 * side by side with the emulator reached directly. Everything runs on loopback in separate
 * processes: emulator, gateway (embedded database), and this load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { compareWorkers } from './workers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ccag = join(root, 'bin', 'ccag');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const idleStreams = Number(process.env.BENCH_IDLE_STREAMS ?? 1000);

function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ccag, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let started = false;
    const onData = (d: Buffer) => {
      if (started) return; // keep draining the pipe, stop collecting
      out += d;
      const match = ready.exec(out);
      if (match) {
        started = true;
        resolve({ child, match });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${out}`)));
  });
}

/** A Claude Code–sized request body (~50 KB: system prompt, tool schemas, history). */
function largeBody(stream: boolean): string {
  const tools = Array.from({ length: 24 }, (_, i) => ({
    name: `Tool${i}`,
    description: 'Performs an operation on the workspace. '.repeat(12),
    input_schema: { type: 'object', properties: { path: { type: 'string', description: 'x'.repeat(200) }, mode: { type: 'string', enum: ['a', 'b', 'c'] } }, required: ['path'] },
  }));
  const history = Array.from({ length: 10 }, (_, i) => [
    { role: 'user', content: `Question ${i}: ` + 'please look at the file and explain it. '.repeat(20) },
    { role: 'assistant', content: `Answer ${i}: ` + 'the file defines a function that does things. '.repeat(20) },
  ]).flat();
  return JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 4096,
    stream,
    system: [{ type: 'text', text: 'You are Claude Code. '.repeat(400), cache_control: { type: 'ephemeral' } }],
    tools,
    messages: [...history, { role: 'user', content: stream ? 'continue [[long:20]]' : 'continue' }],
  });
}

interface Scenario {
  name: string;
  body: string;
  stream: boolean;
}

const scenarios: Scenario[] = [
  { name: 'non-streaming, small body', stream: false, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }) },
  { name: 'non-streaming, 50 KB body', stream: false, body: largeBody(false) },
  { name: 'streaming 20 chunks, 50 KB body', stream: true, body: largeBody(true) },
];

interface Target {
  name: string;
  url: (s: Scenario) => string;
  headers: Record<string, string>;
  body: (s: Scenario) => string;
}

interface Result {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  ttfbP50: number;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function load(target: Target, s: Scenario, agent: Agent, concurrency: number): Promise<Result> {
  const latencies: number[] = [];
  const ttfbs: number[] = [];
  let errors = 0;
  let measuring = false;
  const body = target.body(s);
  const url = target.url(s);
  const stopAt = Date.now() + (warmupSeconds + seconds) * 1000;
  setTimeout(() => (measuring = true), warmupSeconds * 1000);
  let measuredFrom = 0;
  const worker = async () => {
    while (Date.now() < stopAt) {
      const t0 = performance.now();
      try {
        const res = await request(url, { method: 'POST', headers: target.headers, body, dispatcher: agent });
        const t1 = performance.now();
        await res.body.text();
        const t2 = performance.now();
        if (res.statusCode !== 200) errors++;
        if (measuring) {
          if (!measuredFrom) measuredFrom = Date.now();
          latencies.push(t2 - t0);
          ttfbs.push(t1 - t0);
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  ttfbs.sort((a, b) => a - b);
  const elapsed = (Date.now() - measuredFrom) / 1000;
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    ttfbP50: percentile(ttfbs, 50),
  };
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function idleStreamMemory(gatewayUrl: string, key: string, pid: number): Promise<{ streams: number; rssMbBefore: number; rssMbDuring: number }> {
  const agent = new Agent({ connections: idleStreams + 10, pipelining: 0 });
  const before = rssKb(pid);
  const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'slow [[slow:4000]] [[long:3]]' }] });
  const open: Promise<unknown>[] = [];
  let opened = 0;
  for (let i = 0; i < idleStreams; i++) {
    open.push(
      request(`${gatewayUrl}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body, dispatcher: agent })
        .then((res) => {
          opened++;
          return res.body.text();
        })
        .catch(() => undefined),
    );
  }
  const deadline = Date.now() + 20_000;
  while (opened < idleStreams && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const during = rssKb(pid);
  await Promise.all(open);
  return { streams: opened, rssMbBefore: Math.round(before / 1024), rssMbDuring: Math.round(during / 1024) };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccag-bench-'));
  const emulator = await start(['emulator', '--port', '0'], {}, /listening on (http:\/\/[\d.:]+)/);
  const emulatorUrl = emulator.match[1]!;
  const upstreamEnv: Record<string, string> = {
    AWS_ACCESS_KEY_ID: 'ccag-emulator',
    AWS_SECRET_ACCESS_KEY: 'ccag-emulator-secret',
    // Like the direct runs, authenticate to "Bedrock" with its API key (no SigV4 on either
    // side) unless BENCH_AUTH=sigv4 asks to include signing in the gateway's cost.
    ...(process.env.BENCH_AUTH === 'sigv4' ? {} : { AWS_BEARER_TOKEN_BEDROCK: 'ccag-emulator-bearer' }),
    CCAG_BEDROCK_HTTP: process.env.BENCH_BEDROCK_HTTP ?? '1.1',
  };
  const gateway = await start(
    // The default log level (info: one line per request), as in production.
    ['serve', '--port', '0', '--bedrock-endpoint', emulatorUrl, '--region', 'us-east-1'],
    { CCAG_DATA_DIR: dataDir, CCAG_ADMIN_PASSWORD: 'bench-password-123', ...upstreamEnv },
    /"url":"(http:\/\/[^"]+)".*ccag gateway listening/,
  );
  const gatewayUrl = gateway.match[1]!;
  const login = await (await request(`${gatewayUrl}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'bench-password-123' }) })).body.json() as { token: string };
  const createKey = async (body: Record<string, unknown>) =>
    (await (await request(`${gatewayUrl}/admin/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${login.token}` }, body: JSON.stringify(body) })).body.json()) as { key: string };
  const created = await createKey({ name: 'bench' });
  // The same traffic with a budget and rate limits to enforce (never reached): what accounting costs.
  const limited = await createKey({ name: 'bench-limited', budget_usd: 1_000_000, rpm: 10_000_000, tpm: 100_000_000, concurrency: 100_000 });

  const direct: Target = {
    name: 'direct (emulator)',
    url: (s) => `${emulatorUrl}/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/${s.stream ? 'invoke-with-response-stream' : 'invoke'}`,
    headers: { authorization: 'Bearer ccag-emulator-bearer', 'content-type': 'application/json' },
    body: (s) => {
      const { model: _m, stream: _s, ...rest } = JSON.parse(s.body);
      return JSON.stringify({ ...rest, anthropic_version: 'bedrock-2023-05-31' });
    },
  };
  const viaGateway: Target = {
    name: 'ccag',
    url: () => `${gatewayUrl}/v1/messages`,
    headers: { 'x-api-key': created.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: (s) => s.body,
  };

  const viaGatewayLimited: Target = { ...viaGateway, name: 'ccag + budget + limits', headers: { ...viaGateway.headers, 'x-api-key': limited.key } };

  const rows: Record<string, unknown>[] = [];
  const agent = new Agent({ connections: concurrency * 2 });
  // One client at a time shows the latency the gateway adds; many show its throughput.
  for (const clients of [1, concurrency]) {
    for (const s of scenarios) {
      const d = await load(direct, s, agent, clients);
      rows.push({ scenario: s.name, clients, target: direct.name, ...d });
      for (const target of [viaGateway, viaGatewayLimited]) {
        const g = await load(target, s, agent, clients);
        rows.push({ scenario: s.name, clients, target: target.name, ...g, addedP50: g.p50 - d.p50, addedP99: g.p99 - d.p99, throughputRatio: g.rps / d.rps });
      }
    }
  }
  const memory = await idleStreamMemory(gatewayUrl, created.key, gateway.child.pid!);

  const f = (n: unknown) => (typeof n === 'number' ? (Number.isInteger(n) ? String(n) : n.toFixed(2)) : '');
  console.log(`\nccag bench — ${seconds}s per run after ${warmupSeconds}s warm-up, 1 and ${concurrency} concurrent clients, gateway → Bedrock over HTTP/${process.env.BENCH_BEDROCK_HTTP ?? '1.1'} with ${process.env.BENCH_AUTH === 'sigv4' ? 'SigV4' : 'the API key'}, node ${process.version}\n`);
  const header = ['scenario', 'clients', 'target', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'ttfb p50', 'errors', 'added p50', 'added p99'];
  console.log(header.join(' | '));
  console.log(header.map(() => '---').join(' | '));
  for (const r of rows) console.log([r.scenario, r.clients, r.target, f(r.rps), f(r.p50), f(r.p90), f(r.p99), f(r.max), f(r.ttfbP50), f(r.errors), f(r.addedP50), f(r.addedP99)].join(' | '));
  console.log(`\n${memory.streams} concurrent idle streams: gateway RSS ${memory.rssMbBefore} MB before, ${memory.rssMbDuring} MB during\n`);
  // BENCH_WORKERS=N: the ccag target again, with 1 and with N workers on Postgres (bench/workers.ts).
  const workers = Number(process.env.BENCH_WORKERS ?? 1);
  const workerRows =
    workers > 1
      ? await compareWorkers(workers, emulatorUrl, upstreamEnv, start, async (url, key) => {
          const target: Target = { ...viaGateway, url: () => `${url}/v1/messages`, headers: { ...viaGateway.headers, 'x-api-key': key } };
          const rps = new Map<string, number>();
          for (const s of scenarios) rps.set(s.name, (await load(target, s, agent, concurrency)).rps);
          return rps;
        })
      : undefined;
  await agent.close();

  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, seconds, concurrency, rows, memory, workers: workerRows }, null, 2));
  gateway.child.kill('SIGTERM');
  emulator.child.kill('SIGTERM');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
