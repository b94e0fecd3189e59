import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageBody, messageStopEvent, outputTokens, planMessage, splitWords, streamEvents, type MessageScript } from '../../../src/emulator/render.js';

const request = { model: 'claude-sonnet-4-5-20250929', inputTokens: 42, thinkingDisplay: 'summarized' as const };
const plan = (script: Omit<MessageScript, 'kind'>, display: 'summarized' | 'omitted' = 'summarized') =>
  planMessage({ kind: 'message', ...script }, { ...request, thinkingDisplay: display });

test('a plan takes the request’s model and input tokens, a fresh Bedrock id, and counts the output', () => {
  const p = plan({ blocks: [{ type: 'text', text: 'Hello there' }] });
  assert.match(p.id, /^msg_bdrk_01[0-9A-Za-z]{22}$/);
  assert.notEqual(plan({ blocks: [] }).id, p.id);
  assert.equal(p.model, 'claude-sonnet-4-5-20250929');
  assert.deepEqual(p.usage, { input_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3 });
  assert.equal(p.stopReason, 'end_turn');
  const scripted = plan({ blocks: [], id: 'msg_bdrk_01fixed', model: 'claude-x', usage: { cache_read_input_tokens: 9, output_tokens: 5 }, stopReason: 'refusal' });
  assert.deepEqual([scripted.id, scripted.model, scripted.stopReason], ['msg_bdrk_01fixed', 'claude-x', 'refusal']);
  assert.deepEqual(scripted.usage, { input_tokens: 42, cache_creation_input_tokens: 0, cache_read_input_tokens: 9, output_tokens: 5 });
});

test('ending on a tool call stops for tool_use, with a toolu_bdrk id unless the script gives one', () => {
  const p = plan({ blocks: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', name: 'Bash', input: { command: 'ls' } }] });
  assert.equal(p.stopReason, 'tool_use');
  assert.match((p.blocks[1] as { id: string }).id, /^toolu_bdrk_01[0-9A-Za-z]{22}$/);
  assert.equal((plan({ blocks: [{ type: 'tool_use', id: 'toolu_x', name: 'A', input: {} }] }).blocks[0] as { id: string }).id, 'toolu_x');
  assert.equal(plan({ blocks: [{ type: 'tool_use', name: 'A', input: {} }], stopReason: 'end_turn' }).stopReason, 'end_turn');
});

test('stream events follow Bedrock’s order and shapes for every block kind', () => {
  const p = plan({
    blocks: [
      { type: 'thinking', thinking: 'Let me see', signature: 'c2ln' },
      { type: 'redacted_thinking', data: 'EmwKAhgB' },
      { type: 'text', text: 'Hi there', chunks: ['Hi', ' there'] },
      { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'echo 👋 hello world' } },
    ],
  });
  const events = streamEvents(p) as any[];
  assert.deepEqual(events[0], {
    type: 'message_start',
    message: {
      model: 'claude-sonnet-4-5-20250929',
      id: p.id,
      type: 'message',
      role: 'assistant',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: 42,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        output_tokens: 1,
      },
    },
  });
  assert.deepEqual(events.slice(1, 7), [
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: ' me' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: ' see' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'c2ln' } },
    { type: 'content_block_stop', index: 0 },
  ]);
  assert.deepEqual(events.slice(7, 9), [
    { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'EmwKAhgB' } },
    { type: 'content_block_stop', index: 1 },
  ]);
  assert.deepEqual(events.slice(9, 13), [
    { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'Hi' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: ' there' } },
    { type: 'content_block_stop', index: 2 },
  ]);
  assert.deepEqual(events[13], { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} } });
  const json = events.filter((e) => e.delta?.type === 'input_json_delta').map((e) => e.delta.partial_json);
  assert.equal(json[0], '');
  assert.ok(json.length > 3);
  assert.deepEqual(JSON.parse(json.join('')), { command: 'echo 👋 hello world' });
  assert.ok(json.every((fragment) => !/[\uD800-\uDBFF]$/.test(fragment)), 'no emoji is cut in half');
  assert.deepEqual(events.at(-1), { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: p.usage.output_tokens } });
});

test('with display "omitted" a thinking block streams its signature only, and is empty in the message', () => {
  const p = plan({ blocks: [{ type: 'thinking', thinking: 'secret reasoning', signature: 'c2ln' }] }, 'omitted');
  assert.deepEqual((streamEvents(p) as any[]).slice(1, 4), [
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'c2ln' } },
    { type: 'content_block_stop', index: 0 },
  ]);
  assert.deepEqual((messageBody(p) as any).content, [{ type: 'thinking', thinking: '', signature: 'c2ln' }]);
  // Omitted thinking is still generated, and billed.
  assert.equal(p.usage.output_tokens, outputTokens([{ type: 'thinking', thinking: 'secret reasoning', signature: '' }]));
});

test('message_stop carries the invocation metrics, with cache counts only when caching happened', () => {
  const p = plan({ blocks: [], usage: { output_tokens: 15 } });
  assert.deepEqual(messageStopEvent(p, { invocationLatency: 1798, firstByteLatency: 1507 }), {
    type: 'message_stop',
    'amazon-bedrock-invocationMetrics': { inputTokenCount: 42, outputTokenCount: 15, invocationLatency: 1798, firstByteLatency: 1507 },
  });
  const cached = plan({ blocks: [], usage: { cache_read_input_tokens: 100, cache_creation_input_tokens: 20 } });
  assert.deepEqual((messageStopEvent(cached, { invocationLatency: 5, firstByteLatency: 2 }) as any)['amazon-bedrock-invocationMetrics'], {
    inputTokenCount: 42,
    outputTokenCount: 1,
    invocationLatency: 5,
    firstByteLatency: 2,
    cacheReadInputTokenCount: 100,
    cacheWriteInputTokenCount: 20,
  });
});

test('the non-streaming body is the whole Message without metrics', () => {
  const p = plan({ blocks: [{ type: 'text', text: 'Hi' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] });
  assert.deepEqual(messageBody(p), {
    model: 'claude-sonnet-4-5-20250929',
    id: p.id,
    type: 'message',
    role: 'assistant',
    content: [
      { type: 'text', text: 'Hi' },
      { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: {
      input_tokens: 42,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: p.usage.output_tokens,
    },
  });
});

test('words split with their leading whitespace and rejoin to the text', () => {
  assert.deepEqual(splitWords('Hello from  the emulator\n'), ['Hello', ' from', '  the', ' emulator\n']);
  assert.deepEqual(splitWords('  lead'), ['  lead']);
  assert.deepEqual(splitWords(''), []);
  assert.deepEqual(splitWords('   '), ['   ']);
});
