import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CountTokensCommand, InvokeModelCommand, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { countEmulatedTokens, startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { decodeJson, encodeJson, invokeBody, rejection, runtimeClient, sonnet45Base, sonnet45Profile } from './sdk.js';

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

const count = (modelId: string, body: Uint8Array) => new CountTokensCommand({ modelId, input: { invokeModel: { body } } });

test('CountTokens on a base model id reports what InvokeModel bills as input for the same body', async () => {
  const client = runtimeClient(emulator);
  const fields = {
    system: [{ type: 'text', text: 'You are terse.' }],
    tools: [{ name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
  };
  const body = invokeBody('How many tokens is this? 你好', fields);
  const { inputTokens } = await client.send(count(sonnet45Base, body));
  assert.equal(inputTokens, countEmulatedTokens(decodeJson(body)));
  const invoked = decodeJson((await client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body }))).body);
  assert.equal(invoked.usage.input_tokens, inputTokens);

  const seen = emulator.requests.find((r) => r.operation === 'CountTokens')!;
  assert.equal(seen.modelId, sonnet45Base);
  assert.deepEqual(seen.body, decodeJson(body), 'the decoded inner InvokeModel body is recorded');
});

test('CountTokens refuses profile ids and models it does not support, and validates the inner body', async () => {
  const client = runtimeClient(emulator);
  for (const modelId of [sonnet45Profile, 'anthropic.claude-opus-4-7', 'anthropic.claude-opus-4-1-20250805-v1:0']) {
    const err = await rejection(client.send(count(modelId, invokeBody('hi'))));
    assert.ok(err instanceof ValidationException, modelId);
    assert.equal(err.message, "The provided model doesn't support counting tokens.");
  }
  const noMaxTokens = await rejection(
    client.send(count(sonnet45Base, encodeJson({ anthropic_version: 'bedrock-2023-05-31', messages: [{ role: 'user', content: 'hi' }] }))),
  );
  assert.equal(noMaxTokens.message, 'Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again.');
  const withModel = await rejection(client.send(count(sonnet45Base, invokeBody('hi', { model: 'claude-sonnet-4-5' }))));
  assert.equal(withModel.message, 'Malformed input request: #: extraneous key [model] is not permitted, please reformat your input and try again.');
});

test('CountTokens counts a prompt too long to invoke instead of refusing it', async () => {
  const client = runtimeClient(emulator);
  const body = invokeBody('word '.repeat(200_000));
  const { inputTokens } = await client.send(count(sonnet45Base, body));
  assert.ok(inputTokens! > 200_000);
  const err = await rejection(client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body })));
  assert.equal(err.message, 'Input is too long for requested model.');
});
