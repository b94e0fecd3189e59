import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { isEndpointFailure } from '../../../src/routing/failover.js';
import { BedrockTimeoutError } from '../../../src/gateway/bedrock/invoker.js';
import { http } from '../../helpers/gateway.js';
import { useInferenceRig, type InferenceRig } from '../../helpers/inference.js';

const timeouts = { connectMs: 2_000, firstByteMs: 400, idleMs: 400 };

/** A key that may have one request in flight: a slot not freed shows as a 429 on the next call. */
async function oneAtATimeKey(rig: InferenceRig): Promise<string> {
  const created = await http(`${rig.gw.url}/admin/v1/keys`, { method: 'POST', token: rig.admin, body: { name: `one-${Math.random()}`, concurrency: 1 } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.key;
}

async function messages(rig: InferenceRig, key: string, content: string, stream = false) {
  const res = await request(`${rig.gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream, messages: [{ role: 'user', content }] }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: () => JSON.parse(text) };
}

/** SSE text → [event type, data] pairs. */
function sseEvents(text: string): { type: string; data: any }[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { type: eventLine!.slice('event: '.length), data: JSON.parse(dataLine!.slice('data: '.length)) };
    });
}

for (const client of ['direct', 'sdk'] as const) {
  describe(`Bedrock calls with CCAG_BEDROCK_CLIENT=${client}`, () => {
    const env = useInferenceRig('pglite', { gateway: { bedrockClient: client, bedrockTimeouts: timeouts } });

    test('answers, streams and errors are the same whichever client calls Bedrock (SigV4 checked by the emulator)', async () => {
      const key = env.rig.key;
      const json = await messages(env.rig, key, 'Say hello');
      assert.equal(json.status, 200);
      assert.match(json.json().content[0].text, /Hello from the Bedrock emulator/);
      assert.equal(env.rig.emulator.requests.at(-1)!.operation, 'InvokeModel');

      const stream = await messages(env.rig, key, 'hi [[long:30]]', true);
      assert.equal(stream.status, 200);
      const events = sseEvents(stream.text);
      assert.equal(events[0]!.type, 'message_start');
      assert.equal(events[0]!.data.message.model, 'claude-sonnet-4-5');
      assert.equal(events.filter((e) => e.type === 'content_block_delta').length, 30);
      assert.equal(events.at(-1)!.type, 'message_stop');

      const throttled = await messages(env.rig, key, '[[throttle]]');
      assert.equal(throttled.status, 429);
      assert.equal(throttled.json().error.type, 'rate_limit_error');
      const tooLong = await messages(env.rig, key, '[[too-long]]', true);
      assert.equal(tooLong.status, 400);
      assert.match(tooLong.json().error.message, /^prompt is too long/);
      const broken = sseEvents((await messages(env.rig, key, '[[mid-stream-error]]', true)).text);
      assert.equal(broken.at(-1)!.type, 'error');
      assert.equal(broken.at(-1)!.data.error.type, 'api_error');
    });

    test('Bedrock silent before its first byte: 504 timeout_error naming the setting, and the concurrency slot is freed', async () => {
      const key = await oneAtATimeKey(env.rig);
      for (const stream of [false, true]) {
        const hung = await messages(env.rig, key, '[[hang]]', stream);
        assert.equal(hung.status, 504, hung.text);
        assert.equal(hung.json().error.type, 'timeout_error');
        if (client === 'direct') assert.match(hung.json().error.message, /CCAG_BEDROCK_FIRST_BYTE_TIMEOUT_MS/);
      }
      assert.equal((await messages(env.rig, key, 'Say hello')).status, 200);
    });

    if (client === 'direct') {
      test('a stream that goes silent midway ends with an SSE error event, and the slot is freed', async () => {
        const key = await oneAtATimeKey(env.rig);
        const res = await messages(env.rig, key, '[[slow:3000]] [[long:3]]', true);
        assert.equal(res.status, 200);
        const events = sseEvents(res.text);
        assert.equal(events[0]!.type, 'message_start');
        assert.equal(events.at(-1)!.type, 'error');
        assert.equal(events.at(-1)!.data.error.type, 'timeout_error');
        assert.match(events.at(-1)!.data.error.message, /CCAG_BEDROCK_IDLE_TIMEOUT_MS/);
        assert.equal((await messages(env.rig, key, 'Say hello')).status, 200);
      });
    }
  });
}

test('a timeout is the endpoint failing: the next endpoint is tried', () => {
  assert.equal(isEndpointFailure(new BedrockTimeoutError('Amazon Bedrock sent no answer')), true);
});
