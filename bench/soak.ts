/**
 * `npm run soak`: mixed traffic against one gateway for SOAK_SECONDS (default 600), then a
 * report of the error rate, latency drift (p50/p99 of the first window against the last) and
 * RSS drift, and whether every request served has its spend row. Loopback only: the gateway
 * runs `ccag serve --upstream emulator` on the embedded database (or DATABASE_URL if set).
 * Not part of `npm test`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 8);
/** The windows compared for drift: the first and last minute, or a quarter of a shorter run. */
const windowMs = Math.min(60_000, (seconds * 1000) / 4);
const password = 'soak-admin-password-0123';

type Kind = 'stream' | 'json' | 'count_tokens' | 'admin';
const mix: [Kind, number][] = [['stream', 0.4], ['json', 0.3], ['count_tokens', 0.15], ['admin', 0.15]];

interface Sample {
  at: number;
  kind: Kind;
  ms: number;
  ok: boolean;
}

function startGateway(): Promise<{ child: ChildProcess; url: string }> {
  const env = { ...process.env, CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-soak-')), CCAG_ADMIN_PASSWORD: password, CCAG_LOG_LEVEL: 'warn', CCAG_SECRET_KEY: 'soak-secret-key-soak-secret-key-0123456789' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'ccag'), 'serve', '--port', '0', '--upstream', 'emulator', '--log-level', 'info'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"ccag gateway listening"/.exec(out);
      if (match) resolve({ child, url: match[1]! });
      if (out.length > 1_000_000) out = out.slice(-10_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`ccag serve exited ${code}: ${out.slice(-2000)}`)));
  });
}

const dispatcher = new Agent({ connections: concurrency * 2 });

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown }): Promise<{ status: number; text: string }> {
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    dispatcher,
  });
  return { status: res.statusCode, text: await res.body.text() };
}

function pick(): Kind {
  let r = Math.random();
  for (const [kind, share] of mix) if ((r -= share) < 0) return kind;
  return 'json';
}

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function rss(url: string): Promise<number> {
  const { text } = await call(`${url}/metrics`, {});
  return Number(/^process_resident_memory_bytes (\S+)/m.exec(text)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const { child, url } = await startGateway();
  try {
    const token = JSON.parse((await call(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'admin', password } })).text).token;
    const key = JSON.parse((await call(`${url}/admin/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: { name: 'soak' } })).text).key;
    const message = (stream: boolean) => ({ model: 'claude-haiku-4-5', max_tokens: 200, stream, messages: [{ role: 'user', content: `[[long:20]] soak ${Math.random()}` }] });
    const errorsSeen = new Map<string, number>();
    /** True for a success; otherwise the failure is tallied by status and error type. */
    const judge = (kind: Kind, r: { status: number; text: string }, ok: boolean) => {
      if (ok) return true;
      const what = `${kind} ${r.status} ${/"type":"(\w+_error)"/.exec(r.text)?.[1] ?? r.text.slice(0, 80)}`;
      errorsSeen.set(what, (errorsSeen.get(what) ?? 0) + 1);
      return false;
    };
    const one: Record<Kind, () => Promise<boolean>> = {
      stream: async () => {
        const r = await call(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key }, body: message(true) });
        return judge('stream', r, r.status === 200 && r.text.includes('event: message_stop') && !r.text.includes('event: error'));
      },
      json: async () => {
        const r = await call(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key }, body: message(false) });
        return judge('json', r, r.status === 200);
      },
      count_tokens: async () => {
        const r = await call(`${url}/v1/messages/count_tokens`, { method: 'POST', headers: { 'x-api-key': key }, body: message(false) });
        return judge('count_tokens', r, r.status === 200);
      },
      admin: async () => {
        const r = await call(`${url}/admin/v1/${Math.random() < 0.5 ? 'keys' : 'spend?by=model'}`, { headers: { authorization: `Bearer ${token}` } });
        return judge('admin', r, r.status === 200);
      },
    };

    const samples: Sample[] = [];
    const memory: { at: number; rss: number }[] = [{ at: Date.now(), rss: await rss(url) }];
    const started = Date.now();
    const endAt = started + seconds * 1000;
    const sampler = setInterval(() => void rss(url).then((v) => memory.push({ at: Date.now(), rss: v }), () => undefined), 5_000);
    const progress = setInterval(() => process.stderr.write(`soak: ${Math.round((Date.now() - started) / 1000)}/${seconds} s, ${samples.length} requests\n`), 30_000);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < endAt) {
          const kind = pick();
          const t0 = performance.now();
          const ok = await one[kind]().catch((err: Error) => judge(kind, { status: 0, text: err.message }, false));
          samples.push({ at: Date.now(), kind, ms: performance.now() - t0, ok });
        }
      }),
    );
    clearInterval(sampler);
    clearInterval(progress);
    memory.push({ at: Date.now(), rss: await rss(url) });

    // Spend rows for every inference request served (written in batches: give the writer a flush).
    await new Promise((r) => setTimeout(r, 2_500));
    const spend = JSON.parse((await call(`${url}/admin/v1/spend?by=model`, { headers: { authorization: `Bearer ${token}` } })).text).data as { requests: number }[];
    const spendRows = spend.reduce((n, r) => n + r.requests, 0);
    const inferenceServed = samples.filter((s) => s.ok && (s.kind === 'stream' || s.kind === 'json')).length;

    const first = samples.filter((s) => s.at < started + windowMs).map((s) => s.ms);
    const last = samples.filter((s) => s.at >= endAt - windowMs).map((s) => s.ms);
    const errors = samples.filter((s) => !s.ok).length;
    const firstRss = memory.filter((m) => m.at < started + windowMs).map((m) => m.rss);
    const lastRss = memory.filter((m) => m.at >= endAt - windowMs).map((m) => m.rss);
    const mb = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;
    const result = {
      seconds,
      concurrency,
      window_seconds: windowMs / 1000,
      requests: samples.length,
      by_kind: Object.fromEntries(mix.map(([k]) => [k, samples.filter((s) => s.kind === k).length])),
      errors,
      errors_by_kind: Object.fromEntries(errorsSeen),
      error_rate: samples.length ? errors / samples.length : 0,
      latency_ms: {
        first: { p50: percentile(first, 50), p99: percentile(first, 99) },
        last: { p50: percentile(last, 50), p99: percentile(last, 99) },
      },
      rss_mb: { first: mb(Math.max(...firstRss)), last: mb(Math.max(...lastRss)), peak: mb(Math.max(...memory.map((m) => m.rss))) },
      spend: { inference_served: inferenceServed, spend_rows: spendRows, missing: inferenceServed - spendRows },
    };
    const round = (n: number) => Math.round(n * 10) / 10;
    console.log(`soak: ${seconds} s, ${concurrency} clients, ${result.requests} requests (${Object.entries(result.by_kind).map(([k, n]) => `${k} ${n}`).join(', ')})`);
    console.log(`errors: ${errors} (${(result.error_rate * 100).toFixed(3)} %)${[...errorsSeen].map(([what, n]) => `\n  ${n} × ${what}`).join('')}`);
    console.log(`latency p50: ${round(result.latency_ms.first.p50)} → ${round(result.latency_ms.last.p50)} ms; p99: ${round(result.latency_ms.first.p99)} → ${round(result.latency_ms.last.p99)} ms (first vs last ${windowMs / 1000} s)`);
    console.log(`RSS: ${result.rss_mb.first} → ${result.rss_mb.last} MB (peak ${result.rss_mb.peak} MB)`);
    console.log(`spend rows: ${spendRows} for ${inferenceServed} inference requests served (missing ${result.spend.missing})`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    child.kill('SIGTERM');
    await dispatcher.close();
  }
}

await main();
