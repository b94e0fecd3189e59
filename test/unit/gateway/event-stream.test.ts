import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeEventStream } from '../../../src/gateway/bedrock/event-stream.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
/** Base64 lines (one per read of the recording) → the bytes. */
const bytesOf = (name: string) => Buffer.concat(fixture(name).trim().split('\n').map((line) => Buffer.from(line.trim(), 'base64')));
const recorded = bytesOf('bedrock-invoke-stream-sonnet45-hi.eventstream.b64.txt');
const expected = fixture('bedrock-invoke-stream-sonnet45-hi.decoded.jsonl')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line).decoded);

/** The body as a socket might deliver it: cut every `size` bytes, so frames span and share reads. */
async function* inPieces(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function decodeAll(body: AsyncIterable<Uint8Array>): Promise<unknown[]> {
  const events: unknown[] = [];
  for await (const event of decodeEventStream(body)) events.push(JSON.parse(Buffer.from(event.chunk!.bytes!).toString('utf8')));
  return events;
}

test('a real Bedrock stream decodes to its events, however the socket cuts it', async () => {
  for (const size of [recorded.length, 1, 7, 100, 333]) {
    assert.deepEqual(await decodeAll(inPieces(recorded, size)), expected, `pieces of ${size} bytes`);
  }
});

test('an exception frame is raised as the SDK names it, after the events before it', async () => {
  const exception = bytesOf('vercel-bedrock-model-stream-error-exception.eventstream.base64.txt');
  const seen: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (const event of decodeEventStream(inPieces(Buffer.concat([recorded.subarray(0, recorded.readUInt32BE(0)), exception]), 50))) seen.push(event);
    })(),
    (err: Error) => err.name === 'ModelStreamErrorException' && err.message === 'Model Stream Error',
  );
  assert.equal(seen.length, 1);
});

test('a stream cut inside a frame fails rather than ending quietly', async () => {
  await assert.rejects(decodeAll(inPieces(recorded.subarray(0, recorded.length - 10), 64)), { name: 'SerializationException' });
});
