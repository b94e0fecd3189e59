import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { chunkFrame, exceptionFrame } from '../../../src/emulator/event-stream.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const headersOf = (frame: Uint8Array) => Object.fromEntries(Object.entries(codec.decode(frame).headers).map(([k, v]) => [k, v.value]));

test('an exception frame is byte-identical to the recorded modelStreamErrorException frame', () => {
  const recorded = Buffer.from(readFileSync(new URL('../../fixtures/vercel-bedrock-model-stream-error-exception.eventstream.base64.txt', import.meta.url), 'utf8').trim(), 'base64');
  const emulated = exceptionFrame('modelStreamErrorException', { message: 'Model Stream Error', originalStatusCode: 500, originalMessage: 'The model stream failed.' });
  assert.deepEqual(Buffer.from(emulated), recorded);
});

test('a chunk frame carries the event as base64 bytes with padding, under Bedrock’s chunk headers', () => {
  const event = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '👋 How' } };
  const frame = chunkFrame(event);
  assert.deepEqual(headersOf(frame), { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' });
  assert.deepEqual(Object.keys(codec.decode(frame).headers), [':event-type', ':content-type', ':message-type']);
  const payload = JSON.parse(toUtf8(codec.decode(frame).body));
  assert.deepEqual(Object.keys(payload), ['bytes', 'p']);
  assert.deepEqual(JSON.parse(Buffer.from(payload.bytes, 'base64').toString('utf8')), event);
  assert.match(payload.p, /^[a-zA-Z0-9]+$/);
  const lengths = new Set(Array.from({ length: 30 }, () => JSON.parse(toUtf8(codec.decode(chunkFrame(event)).body)).p.length));
  assert.ok(lengths.size > 1, 'padding length varies');
});
