import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeModelCommand, InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { decodeJson, http1Handler, invokeBody, rejection, runtimeClient, sonnet45Profile } from './sdk.js';

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function stillAnswers(): Promise<void> {
  const message = decodeJson((await runtimeClient(emulator).send(new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('hi') }))).body);
  assert.equal(message.type, 'message');
}

for (const [name, config] of [
  ['HTTP/2', {}],
  ['HTTP/1.1', http1Handler()],
] as const) {
  test(`over ${name}, [[hang]] answers nothing until the client aborts, and the emulator stays healthy`, async () => {
    const client = runtimeClient(emulator, config);
    const controller = new AbortController();
    const before = emulator.requests.length;
    const pending = rejection(
      client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('[[hang]]') }), { abortSignal: controller.signal }),
    );
    await until(() => emulator.requests.length > before);
    controller.abort();
    const err = await pending;
    assert.equal(err.name, 'AbortError');
    await stillAnswers();
  });

  test(`over ${name}, a client leaving in the middle of a slow stream does not disturb the emulator`, async () => {
    const client = runtimeClient(emulator, config);
    const controller = new AbortController();
    const output = await client.send(
      new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('[[slow:20]] [[long:500]]') }),
      { abortSignal: controller.signal },
    );
    let received = 0;
    try {
      for await (const part of output.body!) {
        if (part.chunk && ++received === 3) controller.abort();
      }
    } catch {
      // HTTP/1.1 reports the abort as an error; over HTTP/2 the stream just ends.
    }
    assert.equal(received, 3, 'nothing more arrives after the abort');
    await stillAnswers();
  });
}
