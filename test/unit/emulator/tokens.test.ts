import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countEmulatedTokens, countTextTokens } from '../../../src/emulator/tokens.js';

const withContent = (content: unknown, fields: Record<string, unknown> = {}) =>
  countEmulatedTokens({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 10, messages: [{ role: 'user', content }], ...fields });

/** Tokens a piece of content adds on top of an empty message. */
const cost = (content: unknown) => withContent(content) - withContent('');

test('a one-word prompt counts what the recorded Bedrock stream reported for "Hi" (10), and counting is deterministic', () => {
  assert.equal(withContent('Hi'), 10);
  assert.equal(withContent('Hi'), withContent('Hi'));
});

test('ASCII costs a token per four bytes; CJK and emoji a token per code point', () => {
  assert.equal(cost('a'.repeat(4000)), 1000);
  assert.equal(countTextTokens('你好世界'), 4);
  assert.equal(countTextTokens('👋'), 1);
  assert.equal(countTextTokens('héllo'), 1 + 1);
  assert.ok(cost('你好'.repeat(500)) > cost('ab'.repeat(500)) * 3);
});

test('images cost by decoded size with a floor of 85; documents by size or text', () => {
  const image = (bytes: number) => ({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: Buffer.alloc(bytes).toString('base64') } });
  assert.equal(cost([image(75_000)]), 100);
  assert.equal(cost([image(1_000)]), 85);
  assert.equal(cost([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x'.repeat(400) } }]), 100);
  assert.equal(cost([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: Buffer.alloc(7_500).toString('base64') } }]), 10);
});

test('system, every message and every block kind count; tool results and tool uses by their JSON', () => {
  const base = withContent('');
  assert.equal(withContent('', { system: 'x'.repeat(40) }) - base, 10);
  assert.equal(withContent('', { system: [{ type: 'text', text: 'x'.repeat(40) }, { type: 'text', text: 'y'.repeat(40) }] }) - base, 20);
  const conversation = countEmulatedTokens({
    messages: [
      { role: 'user', content: 'run it' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'a.txt b.txt' }] }] },
    ],
  });
  assert.equal(conversation, 6 + 3 * 3 + countTextTokens('run it') + countTextTokens('Bash') + countTextTokens('{"command":"ls"}') + countTextTokens('a.txt b.txt'));
  assert.equal(cost([{ type: 'thinking', thinking: 'x'.repeat(80), signature: 'sig' }]), 20);
});

test('tools cost their schema JSON at 3.2 bytes a token, plus the tool-use system prompt', () => {
  const tool = { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } };
  const schemaTokens = Math.ceil(Buffer.byteLength(JSON.stringify(tool)) / 3.2);
  assert.equal(withContent('', { tools: [tool] }) - withContent(''), 346 + schemaTokens);
  assert.equal(withContent('', { tools: [tool], tool_choice: { type: 'any' } }) - withContent(''), 313 + schemaTokens);
  assert.equal(withContent('', { tools: [tool, tool] }) - withContent(''), 346 + 2 * schemaTokens);
});

test('anything that is not a body counts as nothing instead of failing', () => {
  assert.equal(countEmulatedTokens(null), 0);
  assert.equal(countEmulatedTokens('text'), 0);
  assert.equal(countEmulatedTokens({ messages: 'nope', tools: 3 }), 6);
  assert.equal(countEmulatedTokens({ messages: [null, { role: 'user', content: [null, 7] }] }), 6 + 3 + 3);
});
