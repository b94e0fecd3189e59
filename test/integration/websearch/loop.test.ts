import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { EmulatedRequest } from '../../../src/emulator/index.js';
import { http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';
import { addSearchProvider } from '../../helpers/search.js';

/**
 * Web search served by the gateway: the emulated model searches through the client stand-in
 * of the tool, a loopback "custom" provider answers, and the client sees Anthropic's blocks.
 */
let provider: Server;
let providerUrl = '';
let providerStatus = 200;
const queries: string[] = [];

before(async () => {
  provider = createServer((req, res) => {
    const query = new URL(req.url!, 'http://x').searchParams.get('q') ?? '';
    queries.push(query);
    res.writeHead(providerStatus, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ results: [{ url: 'https://ccag.example/news', title: `Gateway news about ${query}`, snippet: 'ccag 1.0 was released today.', page_age: '2 hours ago' }] }));
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/search`;
});
after(() => new Promise<void>((resolve) => provider.close(() => resolve())));

const env = useInferenceRig('pglite');

/** The emulated model: searches (as many times as `searches`), then answers from what it read. */
function searchingModel(searches = 1) {
  return (req: EmulatedRequest) => {
    if (!req.operation.startsWith('InvokeModel')) return undefined;
    const messages = req.body.messages as any[];
    const results = messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b: any) => b.type === 'tool_result');
    if (!(req.body.tools ?? []).some((t: any) => t.name === 'web_search') || results.length >= searches) {
      const read = results.map((r: any) => (typeof r.content === 'string' ? r.content : JSON.stringify(r.content))).join(' | ');
      return { kind: 'message' as const, blocks: [{ type: 'text' as const, text: `Here is what I found: ${read}` }] };
    }
    return {
      kind: 'message' as const,
      blocks: [
        { type: 'text' as const, text: `Searching, round ${results.length + 1}.` },
        { type: 'tool_use' as const, name: 'web_search', input: { query: `ccag release ${results.length + 1}` } },
      ],
      stopReason: 'tool_use' as const,
    };
  };
}

const searchRequest = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 500,
  tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 8 }],
  messages: [{ role: 'user', content: 'What is new with ccag?' }],
  ...extra,
});

describe('web search through the gateway', () => {
  // The gateway searches with a custom provider at the loopback server (private addresses allowed for the test).
  before(() => addSearchProvider(env.rig.gw.url, 'loopback', providerUrl));

  test('non-streaming: server_tool_use and web_search_tool_result pairs, usage with web_search_requests, charged', async () => {
    env.rig.emulator.configure({ script: searchingModel(1) });
    const before = env.rig.emulator.requests.length;
    const message = await env.rig.sdk().messages.create(searchRequest() as any);
    assert.deepEqual(
      message.content.map((b) => b.type),
      ['text', 'server_tool_use', 'web_search_tool_result', 'text'],
    );
    const use = message.content[1] as any;
    const result = message.content[2] as any;
    assert.match(use.id, /^srvtoolu_/);
    assert.equal(result.tool_use_id, use.id);
    assert.deepEqual(use.input, { query: 'ccag release 1' });
    assert.equal(result.content[0].type, 'web_search_result');
    assert.equal(result.content[0].url, 'https://ccag.example/news');
    assert.equal(result.content[0].page_age, '2 hours ago');
    assert.equal(typeof result.content[0].encrypted_content, 'string');
    assert.match((message.content[3] as any).text, /Gateway news about ccag release 1/, 'the model read the provider\'s result');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal((message.usage as any).server_tool_use.web_search_requests, 1);
    const seen = env.rig.emulator.requests.slice(before).filter((r) => r.operation === 'InvokeModel');
    assert.equal(seen.length, 2, 'two rounds with the model');
    assert.ok(seen.every((r) => r.body.tools.every((t: any) => !('type' in t))), 'Bedrock only ever sees a client tool');
    // The search is charged on top of the tokens (CCAG_SEARCH_PRICE_USD, 0.01 by default).
    await env.rig.gw.gateway.inference.requestLog.flush();
    const { rows } = await env.db.db.query<{ cost_micros: string; web_searches: number }>('SELECT cost_micros, web_searches FROM requests ORDER BY at DESC LIMIT 1');
    assert.ok(Number(rows[0]!.cost_micros) >= 10_000, `cost ${rows[0]!.cost_micros} includes the search`);
    assert.equal(rows[0]!.web_searches, 1);
    const summary = await http(`${env.rig.gw.url}/admin/v1/analytics/summary?since=1h`, { token: env.rig.admin });
    assert.equal(summary.body.web_searches, 1);
  });

  test('streaming: the same blocks, the model\'s text streams before the search result, one message_start and message_stop', async () => {
    env.rig.emulator.configure({ script: searchingModel(1) });
    const res = await http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: env.rig.key, body: searchRequest({ stream: true }) });
    assert.equal(res.status, 200);
    const events = String(res.body)
      .split('\n\n')
      .map((chunk) => /^data: (.*)$/m.exec(chunk)?.[1])
      .filter((d): d is string => Boolean(d))
      .map((d) => JSON.parse(d));
    const types = events.map((e) => e.type).filter((t) => t !== 'ping');
    assert.equal(types.filter((t) => t === 'message_start').length, 1);
    assert.equal(types.at(-1), 'message_stop');
    const starts = events.filter((e) => e.type === 'content_block_start');
    assert.deepEqual(starts.map((e) => e.content_block.type), ['text', 'server_tool_use', 'web_search_tool_result', 'text']);
    assert.deepEqual(starts.map((e) => e.index), [0, 1, 2, 3], 'indexes run on across rounds');
    assert.equal(starts[2].content_block.tool_use_id, starts[1].content_block.id);
    const firstText = events.findIndex((e) => e.type === 'content_block_delta' && e.delta.type === 'text_delta');
    const resultAt = events.findIndex((e) => e.type === 'content_block_start' && e.content_block.type === 'web_search_tool_result');
    assert.ok(firstText < resultAt, 'text streamed before the search ran');
    const queryDeltas = events.filter((e) => e.type === 'content_block_delta' && e.index === 1).map((e) => e.delta.partial_json).join('');
    assert.deepEqual(JSON.parse(queryDeltas), { query: 'ccag release 1' });
    const delta = events.find((e) => e.type === 'message_delta');
    assert.equal(delta.delta.stop_reason, 'end_turn');
    assert.equal(delta.usage.server_tool_use.web_search_requests, 1);
    const lines = env.rig.gw
      .logs()
      .split('\n')
      .filter((l) => l.includes(String(res.headers['request-id'])) && l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.status, l.stream, l.aborted]), [[200, true, false]], 'one log line, saying it streamed');
  });

  test('the blocks and the final usage have the fields of a recorded Anthropic web-search stream; JSON and SSE agree', async () => {
    const recorded = readFileSync(new URL('../../fixtures/vercel-anthropic-web-search-tool.1.abridged.chunks.txt', import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const keysOf = (o: object) => Object.keys(o).sort();
    const startOf = (events: any[], type: string) => events.find((e) => e.type === 'content_block_start' && e.content_block.type === type).content_block;
    env.rig.emulator.configure({ script: searchingModel(1) });
    const res = await http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: env.rig.key, body: searchRequest({ stream: true }) });
    const ours = String(res.body)
      .split('\n\n')
      .map((chunk) => /^data: (.*)$/m.exec(chunk)?.[1])
      .filter((d): d is string => Boolean(d))
      .map((d) => JSON.parse(d));
    for (const type of ['server_tool_use', 'web_search_tool_result']) assert.deepEqual(keysOf(startOf(ours, type)), keysOf(startOf(recorded, type)), type);
    assert.deepEqual(keysOf(startOf(ours, 'web_search_tool_result').content[0]), keysOf(startOf(recorded, 'web_search_tool_result').content[0]), 'web_search_result');
    const usageKeys = (events: any[]) => keysOf(events.find((e) => e.type === 'message_delta').usage);
    assert.deepEqual(usageKeys(ours), usageKeys(recorded), 'the final message_delta usage');
    assert.deepEqual(keysOf(ours.find((e) => e.type === 'message_delta').usage.server_tool_use), keysOf(recorded.find((e) => e.type === 'message_delta').usage.server_tool_use));
    // The query streams as input_json_delta, as recorded.
    assert.ok(ours.some((e) => e.type === 'content_block_delta' && e.delta.type === 'input_json_delta'));
    // Non-streaming gives the same block sequence as the stream.
    env.rig.emulator.configure({ script: searchingModel(1) });
    const message = await env.rig.sdk().messages.create(searchRequest() as any);
    assert.deepEqual(message.content.map((b) => b.type), ours.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.type));
  });

  test('max_uses and provider failures are reported in the result blocks, with HTTP 200', async () => {
    env.rig.emulator.configure({ script: searchingModel(2) });
    const capped = await env.rig.sdk().messages.create(searchRequest({ tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 1 }] }) as any);
    const results = capped.content.filter((b) => b.type === 'web_search_tool_result') as any[];
    assert.equal(results.length, 2);
    assert.equal(results[1].content.error_code, 'max_uses_exceeded');
    assert.equal((capped.usage as any).server_tool_use.web_search_requests, 1);

    providerStatus = 500;
    try {
      env.rig.emulator.configure({ script: searchingModel(1) });
      const failed = await env.rig.sdk().messages.create(searchRequest() as any);
      const result = failed.content.find((b) => b.type === 'web_search_tool_result') as any;
      assert.deepEqual(result.content, { type: 'web_search_tool_result_error', error_code: 'unavailable' });
      assert.match((failed.content.at(-1) as any).text, /The search failed: unavailable/);
    } finally {
      providerStatus = 200;
    }
  });

  test('a follow-up turn carrying the search blocks in its history is accepted by the strict emulator', async () => {
    env.rig.emulator.configure({ script: searchingModel(1) });
    const first = await env.rig.sdk().messages.create(searchRequest() as any);
    env.rig.emulator.configure({ script: undefined });
    const followUp = await env.rig.sdk().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'What is new with ccag?' },
        { role: 'assistant', content: first.content as any },
        { role: 'user', content: 'Say hello' },
      ],
    });
    assert.equal(followUp.type, 'message');
    const sent = env.rig.emulator.requests.at(-1)!.body.messages;
    assert.ok(JSON.stringify(sent).includes('Gateway news about ccag release 1'), 'the earlier results reach the model as text');
    assert.ok(!JSON.stringify(sent).includes('server_tool_use'));
  });
});
