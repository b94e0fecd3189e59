import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  InternalServerException,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ModelStreamErrorException,
  ResourceNotFoundException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { startEmulator, type Emulator, type Script } from '../../../src/emulator/index.js';
import { decodeJson, http1Handler, invokeBody, RawBodyHandler, recordResponses, rejection, runtimeClient, sonnet45Base, sonnet45Profile, streamedEvents } from './sdk.js';

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

test('errors before the stream reach the SDK as its exception classes, with Bedrock statuses and restJson1 bodies', async () => {
  const client = runtimeClient(emulator);
  const responses = recordResponses(client);
  const cases = [
    { prompt: '[[throttle]]', cls: ThrottlingException, status: 429, message: 'Too many requests, please wait before trying again.' },
    { prompt: '[[overloaded]]', cls: ServiceUnavailableException, status: 503, message: 'Bedrock is unable to process your request.' },
    { prompt: '[[error-500]]', cls: InternalServerException, status: 500, message: 'The system encountered an unexpected error during processing. Try your request again.' },
    { prompt: '[[too-long]]', cls: ValidationException, status: 400, message: 'Input is too long for requested model.' },
  ];
  for (const { prompt, cls, status, message } of cases) {
    const input = { modelId: sonnet45Profile, body: invokeBody(prompt) };
    for (const send of [() => client.send(new InvokeModelCommand(input)), () => client.send(new InvokeModelWithResponseStreamCommand(input))]) {
      const err = await rejection(send());
      assert.ok(err instanceof cls, `${prompt}: ${err.name}`);
      assert.equal(err.name, cls.name);
      assert.equal(err.$metadata.httpStatusCode, status);
      assert.equal(err.message, message);
      assert.deepEqual(emulator.requests.at(-1)!.outcome, { ok: false, exception: cls.name, message, status });
    }
  }
  const last = responses.at(-1)!;
  assert.equal(last.headers['x-amzn-errortype'], 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/');
  assert.equal(last.headers['content-type'], 'application/json');
  assert.match(last.headers['x-amzn-requestid']!, /^[0-9a-f-]{36}$/);
});

test('an error body has the shape of a recorded Bedrock error body: the message alone', async () => {
  const handler = new RawBodyHandler();
  const client = runtimeClient(emulator, { requestHandler: handler });
  await rejection(client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('[[throttle]]') })));
  const emulated = JSON.parse((await handler.bodies[0]!).toString('utf8'));
  const recorded = JSON.parse(readFileSync(new URL('../../fixtures/vercel-amazon-bedrock-validation-error-no-type.json', import.meta.url), 'utf8'));
  assert.deepEqual(Object.keys(emulated), Object.keys(recorded));
  assert.equal(emulated.message, 'Too many requests, please wait before trying again.');
});

test('Bedrock refuses base ids that need a profile, unknown ids and retired models, and untranslated bodies', async () => {
  const client = runtimeClient(emulator, http1Handler());
  const onDemand = await rejection(client.send(new InvokeModelCommand({ modelId: sonnet45Base, body: invokeBody('hi') })));
  assert.ok(onDemand instanceof ValidationException);
  assert.equal(
    onDemand.message,
    "Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
  );

  const unknown = await rejection(client.send(new InvokeModelCommand({ modelId: 'us.anthropic.claude-sonnet-9', body: invokeBody('hi') })));
  assert.ok(unknown instanceof ValidationException);
  assert.equal(unknown.message, 'The provided model identifier is invalid.');

  const retired = await rejection(client.send(new InvokeModelCommand({ modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0', body: invokeBody('hi') })));
  assert.ok(retired instanceof ResourceNotFoundException);
  assert.equal(retired.$metadata.httpStatusCode, 404);

  const untranslated = await rejection(
    client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('hi', { model: 'claude-sonnet-4-5', stream: true }) })),
  );
  assert.ok(untranslated instanceof ValidationException);
  assert.equal(
    untranslated.message,
    'Malformed input request: #: extraneous key [model] is not permitted#: extraneous key [stream] is not permitted, please reformat your input and try again.',
  );
});

test('a mid-stream error arrives after some text as the SDK’s ModelStreamErrorException, while iterating', async () => {
  for (const config of [{}, http1Handler()]) {
    const client = runtimeClient(emulator, config);
    const output = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('[[mid-stream-error]]') }));
    const events: any[] = [];
    const err = await rejection(
      (async () => {
        for await (const part of output.body!) events.push(decodeJson(part.chunk?.bytes));
      })(),
    );
    assert.ok(err instanceof ModelStreamErrorException);
    assert.equal(err.message, 'The model stream failed.');
    assert.equal(err.originalStatusCode, 500);
    assert.equal(err.originalMessage, 'The model stream failed.');
    assert.deepEqual(
      events.map((e) => e.type),
      ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta'],
    );
    assert.deepEqual(emulator.requests.at(-1)!.outcome, { ok: false, exception: 'ModelStreamErrorException', message: 'The model stream failed.', status: 200 });
  }
});

test('every stream exception member of the ResponseStream union surfaces as its SDK class', async () => {
  const members = [
    ['throttlingException', 'ThrottlingException'],
    ['internalServerException', 'InternalServerException'],
    ['serviceUnavailableException', 'ServiceUnavailableException'],
    ['validationException', 'ValidationException'],
    ['modelTimeoutException', 'ModelTimeoutException'],
  ] as const;
  const client = runtimeClient(emulator);
  for (const [member, cls] of members) {
    const script: Script = {
      kind: 'message',
      blocks: [{ type: 'text', text: 'partial answer' }],
      failAfterEvents: { events: 1, exception: member, message: `${member} happened` },
    };
    emulator.configure({ script: () => script });
    try {
      const output = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('hi') }));
      const err = await rejection(streamedEvents(output));
      assert.equal(err.name, cls);
      assert.equal(err.message, `${member} happened`);
    } finally {
      emulator.configure({ script: undefined });
    }
  }
});

test('the SDK treats the emulated throttling as Bedrock’s: it retries, then gives up', async () => {
  const client = runtimeClient(emulator, { maxAttempts: 2 });
  const before = emulator.requests.length;
  const err = await rejection(client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('[[throttle]]') })));
  assert.ok(err instanceof ThrottlingException);
  assert.equal(err.$metadata.attempts, 2);
  assert.equal(emulator.requests.length - before, 2);
});

test('a script that throws answers InternalServerException instead of breaking the emulator', async () => {
  const client = runtimeClient(emulator);
  emulator.configure({
    script: () => {
      throw new Error('bad test script');
    },
  });
  try {
    const err = await rejection(client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('hi') })));
    assert.ok(err instanceof InternalServerException);
    assert.match(err.message, /bad test script/);
  } finally {
    emulator.configure({ script: undefined });
  }
  const ok = decodeJson((await client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('hi') }))).body);
  assert.equal(ok.type, 'message');
});

test('a script that breaks after the stream started ends it with an internalServerException frame', async () => {
  const client = runtimeClient(emulator);
  // A chunk JSON cannot encode: the failure comes only when that event is written.
  emulator.configure({ script: () => ({ kind: 'message', blocks: [{ type: 'text', text: 'x', chunks: [10n as unknown as string] }] }) });
  try {
    const output = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('hi') }));
    const err = await rejection(streamedEvents(output));
    assert.ok(err instanceof InternalServerException);
    assert.match(err.message, /BigInt/);
    assert.deepEqual(emulator.requests.at(-1)!.outcome, { ok: false, exception: 'InternalServerException', message: err.message, status: 200 });
  } finally {
    emulator.configure({ script: undefined });
  }
});
