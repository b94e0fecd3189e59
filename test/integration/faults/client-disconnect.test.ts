import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { EmulatedRequest } from '../../../src/emulator/index.js';
import { eventually, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';
import { addSearchProvider } from '../../helpers/search.js';

/**
 * A client that goes away at any stage frees what its request held: the Bedrock call is
 * aborted (a stream that would run for half a minute ends at once), the concurrency slot is
 * given back (a key allowed one request at a time can make the next), and what Bedrock
 * reported plus an estimate of what was streamed is recorded.
 */

let provider: Server;
let providerUrl = '';
let searchesStarted = 0;
let searchesAborted = 0;
before(async () => {
  // A search provider that never answers: the client leaves while the gateway waits on it.
  provider = createServer((req) => {
    searchesStarted++;
    req.socket.on('close', () => searchesAborted++);
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/search`;
});
after(() => {
  provider.closeAllConnections();
  return new Promise<void>((resolve) => provider.close(() => resolve()));
});

/** The emulated model searches the web whenever it is offered the tool; otherwise the prompt's directives apply. */
function searchingModel(req: EmulatedRequest) {
  if (!req.operation.startsWith('InvokeModel') || !(req.body.tools ?? []).some((t: any) => t.name === 'web_search')) return undefined;
  return {
    kind: 'message' as const,
    blocks: [
      { type: 'text' as const, text: 'Searching.' },
      { type: 'tool_use' as const, name: 'web_search', input: { query: 'ccag' } },
    ],
    stopReason: 'tool_use' as const,
  };
}

let env: ReturnType<typeof useInferenceRig>;
let base: URL;
let key = '';
let keyId = '';
async function setUp() {
  base = new URL(env.rig.gw.url);
  const created = await http(`${env.rig.gw.url}/admin/v1/keys`, { method: 'POST', token: env.rig.admin, body: { name: 'one-at-a-time', concurrency: 1 } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  key = created.body.key;
  keyId = created.body.id;
  await addSearchProvider(env.rig.gw.url, 'never-answers', providerUrl);
}

function body(prompt: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: prompt }], ...extra });
}

/** Starts a streaming request; resolves once the response headers are in. */
function open(payload: string): Promise<{ res: IncomingMessage; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path: '/v1/messages', method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' } }, (res) => {
      res.on('error', () => undefined);
      resolve({ res, destroy: () => req.destroy() });
    });
    req.on('error', () => undefined);
    req.on('error', reject);
    req.end(payload);
  });
}

/** Reads SSE until `enough` says so. */
function readUntil(res: IncomingMessage, enough: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    res.on('data', (d: Buffer) => {
      text += d.toString();
      if (enough(text)) resolve(text);
    });
    res.on('close', () => resolve(text));
  });
}

/** The key's single concurrency slot is free again: a quick request goes through (the slow one would hold it ~30 s). */
async function slotFreed(): Promise<boolean> {
  return eventually(async () => {
    const res = await http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: key, rawBody: body('hi', { stream: false }) });
    return res.status === 200;
  }, 8_000, 200);
}

async function lastRecord(): Promise<any> {
  await env.rig.gw.gateway.inference.requestLog.flush();
  const { rows } = await env.db.db.query<any>(`SELECT * FROM requests WHERE key_id = $1 AND client_aborted ORDER BY at DESC LIMIT 1`, [keyId]);
  return rows[0];
}

describe('client disconnects', () => {
  env = useInferenceRig('pglite', { emulator: { script: searchingModel } });
  before(setUp);
  test('before the body is fully sent: nothing is admitted or charged, the gateway goes on', async () => {
    const before = env.rig.emulator.requests.length;
    const socket = connect(Number(base.port), base.hostname);
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    socket.on('error', () => undefined);
    socket.write(`POST /v1/messages HTTP/1.1\r\nhost: ${base.host}\r\nx-api-key: ${key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n`);
    socket.write(body('partial').slice(0, 40));
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    assert.ok(await slotFreed());
    assert.equal(env.rig.emulator.requests.filter((r) => r.operation === 'InvokeModelWithResponseStream').length, env.rig.emulator.requests.slice(0, before).filter((r) => r.operation === 'InvokeModelWithResponseStream').length, 'Bedrock was never called for it');
  });

  test('after the response headers: the Bedrock stream is aborted, the slot freed, input tokens charged', async () => {
    const { res, destroy } = await open(body('[[slow:1500]] [[long:30]]'));
    assert.equal(res.statusCode, 200);
    await readUntil(res, (t) => t.includes('event: message_start'));
    destroy();
    assert.ok(await slotFreed(), 'the next request is admitted long before the abandoned stream would have ended');
    const row = await lastRecord();
    assert.equal(row.client_aborted, true);
    assert.ok(Number(row.input_tokens) > 0, 'input tokens from message_start are charged');
    assert.ok(Number(row.cost_micros) > 0);
  });

  test('mid-stream: aborted, slot freed, streamed output estimated and charged', async () => {
    const { res, destroy } = await open(body('[[slow:100]] [[long:300]]'));
    await readUntil(res, (t) => t.split('event: content_block_delta').length > 10);
    destroy();
    assert.ok(await slotFreed());
    const row = await lastRecord();
    assert.ok(Number(row.output_tokens) > 0, 'what was streamed is charged');
    assert.ok(Number(row.latency_ms) < 20_000);
  });

  test('during a web search round: the provider call is aborted, the slot freed, the search turn recorded', async () => {
    const started = searchesStarted;
    const { res, destroy } = await open(body('What is new?', { model: 'claude-sonnet-4-5', tools: [{ type: 'web_search_20250305', name: 'web_search' }] }));
    assert.equal(res.statusCode, 200);
    await readUntil(res, (t) => t.includes('server_tool_use'));
    assert.ok(await eventually(async () => searchesStarted > started, 5_000), 'the gateway is searching');
    destroy();
    assert.ok(await eventually(async () => searchesAborted >= searchesStarted, 5_000), 'the search request was abandoned');
    assert.ok(await slotFreed());
    const row = await lastRecord();
    assert.equal(row.client_aborted, true);
  });

  test('the gateway holds no request after all of that', async () => {
    const exposition = await (await fetch(`${env.rig.gw.url}/metrics`)).text();
    assert.match(exposition, /ccag_in_flight_requests 0/);
  });
});
