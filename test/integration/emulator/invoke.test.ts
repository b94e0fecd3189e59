import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeModelCommand, InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { countEmulatedTokens, defaultAcceptedBetas, startEmulator, type Emulator, type Script } from '../../../src/emulator/index.js';
import {
  decodeJson,
  http1Handler,
  invokeBody,
  opus48Profile,
  recordResponses,
  rejection,
  runtimeClient,
  sonnet45Profile,
  streamedEvents,
} from './sdk.js';

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

const bashTool = { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } };

const transports = [
  { name: 'HTTP/2 (the SDK default)', config: {}, httpVersion: '2.0' },
  { name: 'HTTP/1.1', config: http1Handler(), httpVersion: '1.1' },
] as const;

for (const transport of transports) {
  test(`InvokeModel over ${transport.name} answers a Message with Bedrock's token headers, and is recorded`, async () => {
    const client = runtimeClient(emulator, transport.config);
    const responses = recordResponses(client);
    const body = invokeBody('Say hello');
    const output = await client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body, contentType: 'application/json', accept: 'application/json' }));

    const message = decodeJson(output.body);
    assert.equal(output.contentType, 'application/json');
    assert.match(message.id, /^msg_bdrk_01[0-9A-Za-z]{22}$/);
    assert.equal(message.model, 'claude-sonnet-4-5-20250929');
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.stop_reason, 'end_turn');
    assert.match(message.content[0].text, /Hello from the Bedrock emulator/);
    const inputTokens = countEmulatedTokens(decodeJson(body));
    assert.deepEqual(message.usage, {
      input_tokens: inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: message.usage.output_tokens,
    });
    assert.ok(message.usage.output_tokens > 1);

    const headers = responses[0]!.headers;
    assert.equal(headers['x-amzn-bedrock-input-token-count'], String(inputTokens));
    assert.equal(headers['x-amzn-bedrock-output-token-count'], String(message.usage.output_tokens));
    assert.match(headers['x-amzn-bedrock-invocation-latency']!, /^\d+$/);
    assert.match(headers['x-amzn-requestid']!, /^[0-9a-f-]{36}$/);

    const seen = emulator.requests.at(-1)!;
    assert.equal(seen.operation, 'InvokeModel');
    assert.equal(seen.modelId, sonnet45Profile);
    assert.equal(seen.httpVersion, transport.httpVersion);
    assert.deepEqual(seen.outcome, { ok: true });
    assert.deepEqual(seen.body.messages, [{ role: 'user', content: 'Say hello' }]);
    assert.match(seen.headers.authorization!, /^AWS4-HMAC-SHA256 Credential=ccag-emulator\//);
  });

  test(`InvokeModelWithResponseStream over ${transport.name}: thinking, text and a tool call, in Bedrock's event order`, async () => {
    const client = runtimeClient(emulator, transport.config);
    const responses = recordResponses(client);
    const output = await client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId: sonnet45Profile,
        body: invokeBody('[[think]] [[tool:Bash {"command":"ls -la","description":"List files"}]]', { tools: [bashTool] }),
      }),
    );
    const events = await streamedEvents(output);

    assert.equal(responses[0]!.headers['content-type'], 'application/vnd.amazon.eventstream');
    assert.equal(responses[0]!.headers['x-amzn-bedrock-content-type'], 'application/json');
    assert.deepEqual(
      events.map((e) => (e.type === 'content_block_delta' ? `${e.index}:${e.delta.type}` : e.type)),
      [
        'message_start',
        'content_block_start',
        ...events.filter((e) => e.delta?.type === 'thinking_delta').map(() => '0:thinking_delta'),
        '0:signature_delta',
        'content_block_stop',
        'content_block_start',
        ...events.filter((e) => e.delta?.type === 'text_delta').map(() => '1:text_delta'),
        'content_block_stop',
        'content_block_start',
        ...events.filter((e) => e.delta?.type === 'input_json_delta').map(() => '2:input_json_delta'),
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    assert.ok(events.some((e) => e.delta?.type === 'thinking_delta'));
    assert.deepEqual(events[1].content_block, { type: 'thinking', thinking: '', signature: '' });
    const toolStart = events.find((e) => e.content_block?.type === 'tool_use');
    assert.equal(toolStart.content_block.name, 'Bash');
    assert.deepEqual(toolStart.content_block.input, {});
    assert.match(toolStart.content_block.id, /^toolu_bdrk_01/);
    const fragments = events.filter((e) => e.delta?.type === 'input_json_delta').map((e) => e.delta.partial_json);
    assert.equal(fragments[0], '');
    assert.deepEqual(JSON.parse(fragments.join('')), { command: 'ls -la', description: 'List files' });

    const delta = events.find((e) => e.type === 'message_delta');
    assert.deepEqual(delta.delta, { stop_reason: 'tool_use', stop_sequence: null });
    const stop = events.at(-1);
    assert.deepEqual(Object.keys(stop), ['type', 'amazon-bedrock-invocationMetrics']);
    const metrics = stop['amazon-bedrock-invocationMetrics'];
    assert.equal(metrics.inputTokenCount, events[0].message.usage.input_tokens);
    assert.equal(metrics.outputTokenCount, delta.usage.output_tokens);
    assert.ok(metrics.invocationLatency >= metrics.firstByteLatency);
    assert.equal(emulator.requests.at(-1)!.httpVersion, transport.httpVersion);
  });
}

test('thinking display follows the request, and defaults to omitted on the models where Anthropic made it so', async () => {
  const client = runtimeClient(emulator);
  const thinkingDeltas = async (modelId: string, thinking: object) => {
    const body = invokeBody('[[think]]', { thinking, max_tokens: 4096 });
    const events = await streamedEvents(await client.send(new InvokeModelWithResponseStreamCommand({ modelId, body })));
    return events.filter((e) => e.type === 'content_block_delta' && e.index === 0).map((e) => e.delta.type);
  };
  assert.deepEqual(await thinkingDeltas(opus48Profile, { type: 'adaptive' }), ['signature_delta']);
  assert.deepEqual(await thinkingDeltas(sonnet45Profile, { type: 'enabled', budget_tokens: 1024, display: 'omitted' }), ['signature_delta']);
  const summarized = await thinkingDeltas(sonnet45Profile, { type: 'enabled', budget_tokens: 1024 });
  assert.ok(summarized.length > 1 && summarized.at(-1) === 'signature_delta' && summarized[0] === 'thinking_delta');

  const whole = decodeJson((await client.send(new InvokeModelCommand({ modelId: opus48Profile, body: invokeBody('[[think]]', { thinking: { type: 'adaptive' } }) }))).body);
  assert.equal(whole.content[0].type, 'thinking');
  assert.equal(whole.content[0].thinking, '');
  assert.match(whole.content[0].signature, /^[A-Za-z0-9+/]+=*$/);
});

test('a model id given as a URL-encoded inference-profile or application-profile ARN reaches the model', async () => {
  const client = runtimeClient(emulator);
  for (const arn of [
    `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${sonnet45Profile}`,
    'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6',
  ]) {
    const message = decodeJson((await client.send(new InvokeModelCommand({ modelId: arn, body: invokeBody('hi') }))).body);
    assert.equal(message.model, 'claude-sonnet-4-5-20250929');
    assert.equal(emulator.requests.at(-1)!.modelId, arn);
  }
});

test('a test script decides the answer per request, and configure() swaps scripts and accepted betas at run time', async () => {
  const client = runtimeClient(emulator);
  const script: Script = { kind: 'message', blocks: [{ type: 'text', text: 'scripted', chunks: ['scr', 'ipted'] }], stopReason: 'max_tokens', usage: { output_tokens: 7 } };
  emulator.configure({ script: (req) => (req.body.metadata?.user_id === 'scripted-user' ? script : undefined) });
  try {
    const events = await streamedEvents(
      await client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('hi', { metadata: { user_id: 'scripted-user' } }) })),
    );
    assert.deepEqual(events.filter((e) => e.delta?.type === 'text_delta').map((e) => e.delta.text), ['scr', 'ipted']);
    assert.deepEqual(events.find((e) => e.type === 'message_delta'), { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 7 } });
    // Other requests fall through to the prompt directives.
    const other = decodeJson((await client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('hi') }))).body);
    assert.match(other.content[0].text, /Hello from the Bedrock emulator/);
  } finally {
    emulator.configure({ script: undefined });
  }

  const withBeta = invokeBody('hi', { anthropic_beta: ['claude-code-20250219'] });
  const refused = await rejection(client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body: withBeta })));
  assert.equal(refused.message, 'The model returned the following errors: invalid beta flag');
  emulator.configure({ acceptedBetas: ['claude-code-20250219'] });
  try {
    const accepted = decodeJson((await client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body: withBeta }))).body);
    assert.equal(accepted.type, 'message');
  } finally {
    emulator.configure({ acceptedBetas: defaultAcceptedBetas });
  }
});

test('a tool result in the last user message is acknowledged, ending the agent loop', async () => {
  const client = runtimeClient(emulator);
  const body = invokeBody('', {
    tools: [bashTool],
    messages: [
      { role: 'user', content: '[[tool:Bash {"command":"echo hi"}]]' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_bdrk_01A', name: 'Bash', input: { command: 'echo hi' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_bdrk_01A', content: 'hi' }] },
    ],
  });
  const message = decodeJson((await client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body }))).body);
  assert.deepEqual(message.content, [{ type: 'text', text: 'Tool result received: hi' }]);
  assert.equal(message.stop_reason, 'end_turn');
});

test('[[slow:MS]] [[long:N]] streams N spaced text chunks without piling up listeners on the response', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on('warning', onWarning);
  try {
    const client = runtimeClient(emulator, http1Handler());
    const events = await streamedEvents(await client.send(new InvokeModelWithResponseStreamCommand({ modelId: sonnet45Profile, body: invokeBody('[[slow:1]] [[long:40]]') })));
    assert.equal(events.filter((e) => e.delta?.type === 'text_delta').length, 40);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});
