/**
 * `node --import tsx bench/compare-clients.ts`: the gateway's CPU per request with each Bedrock
 * client (CCAG_BEDROCK_CLIENT=direct and =sdk), measured on two gateways side by side in
 * interleaved rounds of the same requests, so that other load on the machine weighs on both
 * alike. Reads user + system CPU of each gateway process from /proc. Settings:
 * COMPARE_ROUNDS (default 3), COMPARE_CONCURRENCY (default 8).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { cpuSeconds } from './procstat.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.COMPARE_ROUNDS ?? 3);
const concurrency = Number(process.env.COMPARE_CONCURRENCY ?? 8);
const children: ReturnType<typeof spawn>[] = [];

function start(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ url: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'ccag'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let started = false;
    const onData = (d: Buffer) => {
      if (started) return;
      out += d;
      const m = ready.exec(out);
      if (m) {
        started = true;
        resolve({ url: m[1]!, pid: child.pid! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => !started && reject(new Error(`${args[0]} exited ${code}: ${out}`)));
  });
}

async function gateway(emulatorUrl: string, client: 'direct' | 'sdk') {
  const g = await start(
    ['serve', '--port', '0', '--bedrock-endpoint', emulatorUrl, '--region', 'us-east-1'],
    {
      CCAG_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccag-compare-')),
      CCAG_ADMIN_PASSWORD: 'bench-password-123',
      AWS_ACCESS_KEY_ID: 'ccag-emulator',
      AWS_SECRET_ACCESS_KEY: 'ccag-emulator-secret',
      AWS_BEARER_TOKEN_BEDROCK: 'ccag-emulator-bearer',
      CCAG_BEDROCK_CLIENT: client,
    },
    /"url":"(http:\/\/[^"]+)".*ccag gateway listening/,
  );
  const post = async (path: string, body: object, token?: string) =>
    (await (await request(g.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })).body.json()) as Record<string, string>;
  const { token } = await post('/admin/v1/auth/login', { username: 'admin', password: 'bench-password-123' });
  const { key } = await post('/admin/v1/keys', { name: 'compare', budget_usd: 1_000_000, rpm: 10_000_000, tpm: 100_000_000, concurrency: 100_000 }, token);
  return { ...g, client, key: key! };
}

const agent = new Agent({ connections: 64 });

/** n requests at `concurrency`; the gateway's CPU seconds for them. */
async function run(g: Awaited<ReturnType<typeof gateway>>, body: string, n: number): Promise<number> {
  const before = cpuSeconds(g.pid);
  let left = n;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) {
        const res = await request(`${g.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': g.key, 'content-type': 'application/json' }, body, dispatcher: agent });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`${g.client}: HTTP ${res.statusCode}`);
      }
    }),
  );
  return cpuSeconds(g.pid) - before;
}

const message = (content: string, stream: boolean) => JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1000, stream, messages: [{ role: 'user', content }] });
const large = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 4096,
  system: [{ type: 'text', text: 'You are Claude Code. '.repeat(400), cache_control: { type: 'ephemeral' } }],
  tools: Array.from({ length: 24 }, (_, i) => ({ name: `Tool${i}`, description: 'Performs an operation on the workspace. '.repeat(12), input_schema: { type: 'object', properties: { path: { type: 'string', description: 'x'.repeat(200) } } } })),
  messages: [
    ...Array.from({ length: 10 }, (_, i) => [
      { role: 'user', content: `Question ${i}: ` + 'please look at the file and explain it. '.repeat(20) },
      { role: 'assistant', content: `Answer ${i}: ` + 'the file defines a function that does things. '.repeat(20) },
    ]).flat(),
    { role: 'user', content: 'continue' },
  ],
});
const workloads: [string, string, number][] = [
  ['non-streaming small', message('hi', false), 400],
  ['non-streaming 50 KB', large, 200],
  ['streaming 20 chunks', message('hi [[long:20]]', true), 200],
  ['streaming 500 chunks', message('hi [[long:500]]', true), 40],
];

async function main() {
  const emulator = await start(['emulator', '--port', '0'], {}, /listening on (http:\/\/[\d.:]+)/);
  const gateways = [await gateway(emulator.url, 'direct'), await gateway(emulator.url, 'sdk')] as const;
  console.log('| workload | direct CPU ms/request | sdk CPU ms/request | direct / sdk |\n| --- | --- | --- | --- |');
  for (const [name, body, n] of workloads) {
    for (const g of gateways) await run(g, body, Math.ceil(n / 10)); // warm-up
    const cpu = [0, 0];
    for (let round = 0; round < rounds; round++) for (const [i, g] of gateways.entries()) cpu[i]! += await run(g, body, n);
    const ms = cpu.map((c) => (c / (rounds * n)) * 1000);
    console.log(`| ${name} | ${ms[0]!.toFixed(2)} | ${ms[1]!.toFixed(2)} | ${(ms[0]! / ms[1]!).toFixed(2)} |`);
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await agent.close();
    for (const child of children) child.kill('SIGTERM');
  });
