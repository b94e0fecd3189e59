import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { countEmulatedTokens } from '../../../src/emulator/index.js';
import { eventually, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

describe('the official Anthropic SDK through the gateway to the Bedrock emulator', () => {
  const env = useInferenceRig('pglite', { gateway: { pingIntervalMs: 200 } });
  let client: Anthropic;
  before(() => {
    client = env.rig.sdk();
  });

  const requestsRows = async (id: string) => {
    await env.rig.gw.gateway.inference.requestLog.flush();
    return (await env.db.db.query<any>('SELECT * FROM requests WHERE id = $1', [id])).rows;
  };

  test('messages.create: the answer, the model echoed, complete usage, and a request record', async () => {
    const res = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'Say hello' }] }).withResponse();
    const msg = res.data;
    assert.equal(msg.model, 'claude-sonnet-4-5');
    assert.equal(msg.role, 'assistant');
    assert.match((msg.content[0] as any).text, /Hello from the Bedrock emulator/);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.ok(msg.usage.input_tokens > 0 && msg.usage.output_tokens > 0);
    assert.equal(msg.usage.cache_read_input_tokens, 0);
    assert.ok((msg.usage as any).cache_creation);
    assert.equal('amazon-bedrock-invocationMetrics' in msg, false);
    const requestId = res.response.headers.get('request-id')!;
    assert.match(requestId, /^req_/);
    const last = env.rig.emulator.requests.at(-1)!;
    assert.equal(last.operation, 'InvokeModel');
    assert.equal(last.modelId, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    assert.deepEqual(last.outcome, { ok: true });
    const [row] = await requestsRows(requestId);
    assert.equal(row.status, 200);
    assert.equal(row.model, 'claude-sonnet-4-5');
    assert.equal(row.input_tokens, msg.usage.input_tokens);
    assert.equal(row.output_tokens, msg.usage.output_tokens);
    assert.equal(row.stream, false);
  });

  test('messages.stream: thinking with its signature, then text, as SSE events', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 2000 },
      messages: [{ role: 'user', content: 'Think first [[think]]' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const final = await stream.finalMessage();
    assert.equal(final.model, 'claude-sonnet-4-5');
    assert.equal(final.content[0]!.type, 'thinking');
    assert.ok((final.content[0] as any).signature.length > 10);
    assert.equal(final.content[1]!.type, 'text');
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
    assert.ok(types.includes('content_block_delta'));
    assert.deepEqual(env.rig.emulator.requests.at(-1)!.outcome, { ok: true });
  });

  test('messages.stream: tool use with input_json_delta, and the turn after the tool result', async () => {
    const tools = [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } } } }];
    const final = await client.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 500, tools, messages: [{ role: 'user', content: 'List files [[tool:Bash {"command":"ls -la"}]]' }] })
      .finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const use = final.content.find((b) => b.type === 'tool_use') as any;
    assert.equal(use.name, 'Bash');
    assert.deepEqual(use.input, { command: 'ls -la' });
    const next = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 500,
      tools,
      messages: [
        { role: 'user', content: 'List files' },
        { role: 'assistant', content: final.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a.txt b.txt' }] },
      ],
    });
    assert.match((next.content[0] as any).text, /Tool result received: a.txt b.txt/);
  });

  test('countTokens: Bedrock CountTokens where the model has it, the estimate elsewhere', async () => {
    const params = { model: 'claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'How many tokens is this sentence?' }] };
    const counted = await client.messages.countTokens(params);
    const seen = env.rig.emulator.requests.at(-1)!;
    assert.equal(seen.operation, 'CountTokens');
    assert.equal(seen.modelId, 'anthropic.claude-sonnet-4-5-20250929-v1:0');
    assert.equal(counted.input_tokens, countEmulatedTokens(seen.body));
    const estimated = await client.messages.countTokens({ ...params, model: 'claude-opus-4-8' });
    assert.ok(estimated.input_tokens > 0);
    assert.notEqual(env.rig.emulator.requests.at(-1)!.operation === 'CountTokens' && env.rig.emulator.requests.at(-1)!.modelId.includes('opus-4-8'), true);
  });

  test('models.list and models.retrieve in Anthropic\'s shape', async () => {
    const page = await client.models.list({ limit: 3 });
    assert.equal(page.data.length, 3);
    assert.equal(page.has_more, true);
    const all: string[] = [];
    for await (const m of client.models.list({ limit: 5 })) all.push(m.id);
    assert.ok(all.includes('claude-sonnet-4-5-20250929'));
    assert.equal(new Set(all).size, all.length);
    const one = await client.models.retrieve('claude-haiku-4-5-20251001');
    assert.equal(one.display_name, 'Claude Haiku 4.5');
    await assert.rejects(client.models.retrieve('gpt-4o'), Anthropic.NotFoundError);
  });

  test('errors reach the SDK as its error classes', async () => {
    const ask = (content: string, model = 'claude-sonnet-4-5') => client.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content }] });
    await assert.rejects(ask('too much [[too-long]]'), (e: any) => e instanceof Anthropic.BadRequestError && /prompt is too long/.test(e.message));
    await assert.rejects(env.rig.sdk({ apiKey: 'sk-ccag-' + 'x'.repeat(43) }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), Anthropic.AuthenticationError);
    const limited = await http(`${env.rig.gw.url}/admin/v1/keys`, { method: 'POST', token: env.rig.admin, body: { name: 'haiku-only', models: ['claude-haiku-4-5'] } });
    await assert.rejects(
      env.rig.sdk({ apiKey: limited.body.key }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      (e: any) => e instanceof Anthropic.PermissionDeniedError && /claude-sonnet-4-5/.test(e.message),
    );
    await assert.rejects(ask('hi', 'claude-nonexistent-9'), (e: any) => e instanceof Anthropic.NotFoundError && e.message.includes('model: claude-nonexistent-9'));
    await assert.rejects(ask('slow down [[throttle]]'), (e: any) => e instanceof Anthropic.RateLimitError && e.headers.get('retry-after') !== null && /Too many requests/.test(e.message));
    await assert.rejects(ask('boom [[error-500]]'), Anthropic.InternalServerError);
    await assert.rejects(ask('busy [[overloaded]]'), (e: any) => e instanceof Anthropic.APIError && e.status === 529 && e.error?.error?.type === 'overloaded_error');
    await assert.rejects(ask('x'.repeat(21 * 1024 * 1024)), (e: any) => e instanceof Anthropic.APIError && e.status === 413);
  });

  test('bad requests get Anthropic-shaped 400s and nothing reaches Bedrock', async () => {
    const before = env.rig.emulator.requests.length;
    const post = (init: Parameters<typeof http>[1]) => http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: env.rig.key, ...init });
    const cases: [Parameters<typeof http>[1], RegExp][] = [
      [{ rawBody: '{"model": "claude-sonnet-4-5",' }, /not valid JSON/],
      [{ rawBody: '[1,2]' }, /must be a JSON object/],
      [{ body: { max_tokens: 10, messages: [] } }, /^model: Field required$/],
      [{ body: { model: 'claude-sonnet-4-5', messages: [] } }, /^max_tokens: Field required$/],
      [{ body: { model: 'claude-sonnet-4-5', max_tokens: -1, messages: [] } }, /max_tokens/],
      [{ body: { model: 'claude-sonnet-4-5', max_tokens: 10, messages: 'hi' } }, /^messages: Field required$/],
      [{ body: { model: 'claude-sonnet-4-5', max_tokens: 10, stream: 'yes', messages: [] } }, /stream/],
    ];
    for (const [init, message] of cases) {
      const res = await post(init);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.type, 'error');
      assert.equal(res.body.error.type, 'invalid_request_error');
      assert.match(res.body.error.message, message);
      assert.match(res.body.request_id, /^req_/);
    }
    const anonymous = await http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', body: { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [] } });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error.type, 'authentication_error');
    assert.equal(env.rig.emulator.requests.length, before);
  });

  test('a mid-stream Bedrock failure arrives as an SSE error event', async () => {
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'go [[mid-stream-error]]' }] });
    await assert.rejects(stream.finalMessage(), (e: any) => e instanceof Anthropic.APIError && e.error?.error?.type === 'api_error');
  });

  test('pings keep a silent stream alive; usage of an abandoned stream is still recorded', async () => {
    const res = await request(`${env.rig.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': env.rig.key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'slowly [[slow:700]] [[long:6]]' }] }),
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    const requestId = String(res.headers['request-id']);
    let text = '';
    for await (const chunk of res.body) {
      text += chunk;
      if (text.includes('event: ping') && text.includes('content_block_delta')) break;
    }
    res.body.destroy();
    assert.match(text, /event: ping\ndata: \{"type": "ping"\}/);
    assert.ok(await eventually(async () => (await requestsRows(requestId)).length === 1, 5000));
    const [row] = await requestsRows(requestId);
    assert.equal(row.client_aborted, true);
    assert.ok(row.input_tokens > 0);
    assert.ok(row.output_tokens > 0);
    assert.ok(Number(row.cost_micros) > 0, 'what was streamed before the disconnect is charged');
  });

  test('every request the SDK made reached Bedrock valid', () => {
    // Scripted failures (throttling, 5xx, a mid-stream error, a too-long prompt) aside, Bedrock refused nothing.
    const invalid = env.rig.emulator.requests.filter(
      (r) => !r.outcome.ok && r.outcome.exception === 'ValidationException' && !/Input is too long/.test(r.outcome.message),
    );
    assert.deepEqual(invalid.map((r) => (r.outcome as any).message), []);
  });
});
