import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { recordedScript } from '../../helpers/recorded-stream.js';
import { after, before, test } from 'node:test';
import { InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { decodeFrames } from './frames.js';
import { invokeBody, RawBodyHandler, runtimeClient, sonnet45Profile, streamedEvents } from './sdk.js';

const fixture = (name: string) => new URL(`../../fixtures/${name}`, import.meta.url);
const recorded = readFileSync(fixture('bedrock-invoke-stream-sonnet45-hi.decoded.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const recordedBytes = Buffer.concat(
  readFileSync(fixture('bedrock-invoke-stream-sonnet45-hi.eventstream.b64.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => Buffer.from(line.trim(), 'base64')),
);


let emulator: Emulator;
before(async () => {
  emulator = await startEmulator({ script: () => recordedScript });
});
after(() => emulator.close());

test('the emulated stream, decoded by the real SDK, equals the recorded Bedrock stream event for event', async () => {
  for (const config of [{}, { requestHandler: new NodeHttpHandler() }]) {
    const client = runtimeClient(emulator, config);
    const output = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('Hi') }));
    assert.equal(output.contentType, 'application/json');
    assert.deepEqual(await streamedEvents(output), recorded.map((line) => line.decoded));
  }
});

test('the raw emulated frames have the recorded frames’ headers and payload shape', async () => {
  const recordedFrames = decodeFrames(recordedBytes);
  assert.equal(recordedFrames.length, 10);
  // The decoder reads the recording as the jsonl file describes it.
  assert.deepEqual(recordedFrames, recorded.map(({ headers, payload }) => ({ headers, payload })));

  const handler = new RawBodyHandler();
  const client = runtimeClient(emulator, { requestHandler: handler });
  await streamedEvents(await client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('Hi') })));
  const emulatedFrames = decodeFrames(await handler.bodies[0]!);

  assert.equal(emulatedFrames.length, recordedFrames.length);
  emulatedFrames.forEach((frame, i) => {
    const real = recordedFrames[i]!;
    assert.deepEqual(Object.keys(frame.headers), Object.keys(real.headers), 'same headers in the same order');
    assert.deepEqual(frame.headers, real.headers);
    assert.deepEqual(Object.keys(frame.payload), ['bytes', 'p']);
    assert.match(frame.payload.p, /^[a-zA-Z0-9]+$/);
    assert.equal(Buffer.from(frame.payload.bytes, 'base64').toString('utf8'), Buffer.from(real.payload.bytes, 'base64').toString('utf8'));
  });
  // Padding hides token lengths, so it must not be one fixed length.
  assert.ok(new Set(emulatedFrames.map((f) => f.payload.p.length)).size > 1);
});
