import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultScript, greeting } from '../../../src/emulator/default-script.js';
import type { Script, ScriptBlock } from '../../../src/emulator/script.js';

const tools = ['Bash', 'Read', 'Glob'].map((name) => ({ name, input_schema: { type: 'object' } }));
const ask = (content: unknown, earlier: unknown[] = []) => defaultScript({ tools, messages: [...earlier, { role: 'user', content }] });
const blocks = (script: Script): ScriptBlock[] => (script.kind === 'message' ? script.blocks : assert.fail(`expected a message, got ${script.kind}`));

test('without directives the model says a friendly hello', () => {
  assert.deepEqual(ask('hi'), { kind: 'message', blocks: [{ type: 'text', text: greeting }] });
  assert.match(greeting, /Hello from the Bedrock emulator/);
  assert.deepEqual(defaultScript({}), { kind: 'message', blocks: [{ type: 'text', text: greeting }] });
});

test('error directives become Bedrock exceptions', () => {
  assert.deepEqual(ask('[[throttle]]'), { kind: 'error', exception: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' });
  assert.equal((ask('x [[overloaded]]') as { exception: string }).exception, 'ServiceUnavailableException');
  assert.equal((ask('[[error-500]]') as { exception: string }).exception, 'InternalServerException');
  assert.deepEqual(ask('[[too-long]]'), { kind: 'error', exception: 'ValidationException', message: 'Input is too long for requested model.' });
  assert.deepEqual(ask('[[hang]]'), { kind: 'hang' });
});

test('[[tool:NAME {json}]] calls the tool after saying so; several make parallel calls; bad JSON is explained', () => {
  assert.deepEqual(blocks(ask('please [[tool:Bash {"command":"ls -la"}]]')), [
    { type: 'text', text: "I'll use Bash." },
    { type: 'tool_use', name: 'Bash', input: { command: 'ls -la' } },
  ]);
  assert.deepEqual(blocks(ask('[[tool:Read {"file_path":"/a"}]] [[tool:Glob]]')), [
    { type: 'text', text: "I'll use Read, Glob." },
    { type: 'tool_use', name: 'Read', input: { file_path: '/a' } },
    { type: 'tool_use', name: 'Glob', input: {} },
  ]);
  assert.deepEqual(blocks(ask('[[tool:Bash {"nested":{"a":[1,2]}}]]'))[1], { type: 'tool_use', name: 'Bash', input: { nested: { a: [1, 2] } } });
  const bad = blocks(ask('[[tool:Bash {not json}]]'));
  assert.equal(bad.length, 1);
  assert.match((bad[0] as { text: string }).text, /could not parse the input of \[\[tool:Bash\]\]/);
});

test('like a real model, it calls only the tools the request offers', () => {
  assert.deepEqual(blocks(ask('[[tool:Write {"file_path":"/x"}]]')), [{ type: 'text', text: 'The emulator cannot call Write: the request offers no tool of that name.' }]);
  assert.deepEqual(blocks(defaultScript({ messages: [{ role: 'user', content: '[[tool:Bash]]' }] })), [
    { type: 'text', text: 'The emulator cannot call Bash: the request offers no tool of that name.' },
  ]);
  assert.deepEqual(blocks(ask('[[tool:Write]] [[tool:Bash]]')).map((b) => b.type), ['text', 'text', 'tool_use']);
});

test('[[think]] adds a signed thinking block first, and combines with a tool call', () => {
  const [thinking, text, tool] = blocks(ask([{ type: 'text', text: '[[think]]' }, { type: 'text', text: '[[tool:Bash {"command":"pwd"}]]' }]));
  assert.equal(thinking!.type, 'thinking');
  assert.match((thinking as { signature: string }).signature, /^[A-Za-z0-9+/]{40,}=*$/);
  assert.equal(text!.type, 'text');
  assert.equal(tool!.type, 'tool_use');
});

test('[[long:N]] writes N chunks, [[slow:MS]] spaces them, [[mid-stream-error]] fails after some text', () => {
  const long = ask('[[long:50]] [[slow:25]]');
  assert.equal(long.kind, 'message');
  if (long.kind !== 'message') return;
  const [block] = long.blocks;
  assert.equal(block!.type === 'text' && block.chunks?.length, 50);
  assert.equal(block!.type === 'text' && block.chunks!.join(''), block!.type === 'text' && block.text);
  assert.equal(long.chunkDelayMs, 25);
  const failing = ask('[[mid-stream-error]]');
  assert.deepEqual(failing.kind === 'message' && failing.failAfterEvents, {
    events: 4,
    exception: 'modelStreamErrorException',
    message: 'The model stream failed.',
  });
});

test('a tool result in the last user message is acknowledged with its first 200 characters', () => {
  const toolUse = { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: {} }] };
  const output = 'x'.repeat(300);
  const script = ask([{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: output }] }], [{ role: 'user', content: '[[tool:Bash]]' }, toolUse]);
  assert.deepEqual(blocks(script), [{ type: 'text', text: `Tool result received: ${'x'.repeat(200)}` }]);
  assert.equal(script.kind === 'message' && script.stopReason, 'end_turn');
  // Directives in the tool output still apply, so a test can fail the second turn.
  assert.equal(ask([{ type: 'tool_result', tool_use_id: 't1', content: '[[throttle]]' }], [{ role: 'user', content: 'go' }, toolUse]).kind, 'error');
});

test('only the last user message is read: directives of earlier turns are history', () => {
  const script = ask('thanks', [{ role: 'user', content: '[[throttle]]' }, { role: 'assistant', content: 'ok' }]);
  assert.deepEqual(blocks(script), [{ type: 'text', text: greeting }]);
  // A trailing system message (Claude Code's) does not hide the user's directives.
  assert.equal(defaultScript({ messages: [{ role: 'user', content: '[[hang]]' }, { role: 'system', content: 'note' }] }).kind, 'hang');
});
