import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { useInferenceRig } from '../../helpers/inference.js';
import { assertAlive, assertAnthropicError, assertNoLeak, memoryInUse, send } from './shapes.js';

/**
 * Bad input on the inference routes: whatever the body or headers, the answer is a 2xx or a
 * well-formed Anthropic error of the right status (never a 500), without stack traces or
 * secrets, and the gateway stays up with bounded memory.
 */

const numRuns = Number(process.env.FUZZ_RUNS ?? 150);
let tried = 0;

/** Text with everything awkward: any code point, lone surrogates, NUL, control characters. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000b', '\u202e', '\ufeff', '🧪'.repeat(3), 'é'.normalize('NFD'), ''),
);
const hugeNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.5, 2 ** 53, 2 ** 31, -1),
  fc.double(),
  fc.integer(),
);
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nastyString, hugeNumber);
const content = fc.oneof(
  nastyString,
  fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('text'), text: nastyString }),
      fc.record({ type: fc.constantFrom('image', 'document', 'tool_use', 'tool_result', 'thinking', 'server_tool_use', 'nonsense'), source: anyValue, id: anyValue, input: anyValue }, { requiredKeys: ['type'] }),
      anyValue,
    ),
    { maxLength: 3 },
  ),
  anyValue,
);
const message = fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant', 'system'), nastyString), content }, { requiredKeys: [] });
/** Mostly-plausible Messages bodies with one or more fields gone wrong, and plain garbage. */
const messagesBody = fc.oneof(
  fc.record(
    {
      model: fc.oneof(fc.constantFrom('claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-sonnet-4-5[1m]'), nastyString, anyValue),
      max_tokens: fc.oneof(fc.integer({ min: 1, max: 100 }), hugeNumber, anyValue),
      messages: fc.oneof(fc.array(message, { maxLength: 3 }), anyValue),
      stream: fc.oneof(fc.boolean(), anyValue),
      system: fc.oneof(nastyString, anyValue),
      tools: fc.oneof(fc.array(fc.record({ name: nastyString, type: fc.oneof(nastyString, fc.constantFrom('web_search_20250305', 'custom')), input_schema: anyValue }, { requiredKeys: [] }), { maxLength: 2 }), anyValue),
      tool_choice: anyValue,
      thinking: fc.oneof(fc.record({ type: fc.constantFrom('enabled', 'adaptive', 'x'), budget_tokens: hugeNumber }), anyValue),
      metadata: anyValue,
      temperature: hugeNumber,
      stop_sequences: fc.oneof(fc.array(nastyString, { maxLength: 3 }), anyValue),
    },
    { requiredKeys: [] },
  ).chain((known) => fc.dictionary(nastyString, anyValue, { maxKeys: 2 }).map((unknown) => ({ ...unknown, ...known }))),
  anyValue,
);

describe('fuzz: POST /v1/messages and count_tokens', () => {
  const env = useInferenceRig('pglite');
  const headers = () => ({ 'x-api-key': env.rig.key, 'content-type': 'application/json' });

  async function check(path: string, body: string | Buffer, extraHeaders: Record<string, string> = {}) {
    tried++;
    const res = await send(`${env.rig.gw.url}${path}`, { headers: { ...headers(), ...extraHeaders }, body });
    assert.notEqual(res.status, 500, `500 for ${String(body).slice(0, 200)}: ${res.text.slice(0, 300)}`);
    assertNoLeak(res.text, [env.rig.key]);
    if (res.status >= 400) assertAnthropicError(res.status, res.text);
    else assert.ok(res.status === 200, `unexpected ${res.status}`);
    return res;
  }

  test('arbitrary JSON bodies', async () => {
    const before = memoryInUse();
    await fc.assert(
      fc.asyncProperty(messagesBody, fc.constantFrom('/v1/messages', '/v1/messages?beta=true', '/v1/messages/count_tokens'), async (body, path) => {
        await check(path, JSON.stringify(body));
      }),
      { numRuns },
    );
    await assertAlive(env.rig.gw.url);
    const grown = memoryInUse() - before;
    assert.ok(grown < 100 * 1024 * 1024, `memory grew ${grown} bytes`);
  });

  test('fields of the wrong type that the gateway itself reads: 400 naming the field (found by the property above)', async () => {
    const base = { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    for (const [field, value] of [['tools', 0], ['tools', 'web_search'], ['tools', {}], ['tools', [' ']], ['tools', [null]], ['system', 0], ['system', {}], ['messages', [0]], ['messages', [null]], ['messages', [[]]]] as const) {
      for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
        const res = await check(path, JSON.stringify({ ...base, [field]: value }));
        assert.equal(res.status, 400, `${path} ${field}=${JSON.stringify(value)}: ${res.text}`);
        assert.match(JSON.parse(res.text).error.message, new RegExp(`^${field}`));
      }
    }
  });

  test('arbitrary bytes, broken JSON and numbers JSON cannot hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.constantFrom(
            '{"model":"claude-haiku-4-5","max_tokens":1e999,"messages":[]}',
            '{"model":"claude-haiku-4-5","max_tokens":123456789012345678901234567890,"messages":[{"role":"user","content":"hi"}]}',
            '{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"\\ud800"}]}',
            '{"model":"claude-haiku-4-5\\u0000","max_tokens":10,"messages":[{"role":"user","content":"a\\u0000b"}]}',
            '{"__proto__":{"polluted":true},"model":"claude-haiku-4-5","max_tokens":10,"messages":[]}',
            '{"constructor":{"prototype":{"polluted":true}}}',
            '{',
            'null',
            '[]',
            '"string"',
          ),
        ),
        async (body) => {
          await check('/v1/messages', body);
        },
      ),
      { numRuns },
    );
    assert.equal(({} as { polluted?: boolean }).polluted, undefined, 'no prototype pollution');
    await assertAlive(env.rig.gw.url);
  });

  test('arbitrary header values (any byte an HTTP client can send)', async () => {
    const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 60 }).map((s) => s.trim());
    await fc.assert(
      fc.asyncProperty(
        fc.record({ 'x-api-key': headerValue, 'anthropic-beta': headerValue, 'anthropic-version': headerValue, 'content-type': fc.oneof(headerValue, fc.constant('application/json')), authorization: headerValue }, { requiredKeys: [] }),
        async (h) => {
          const res = await send(`${env.rig.gw.url}/v1/messages`, {
            headers: { 'x-api-key': env.rig.key, 'content-type': 'application/json', ...Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(v, 'latin1').toString('latin1')])) },
            body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
          });
          tried++;
          assert.notEqual(res.status, 500, res.text.slice(0, 300));
          assertNoLeak(res.text, [env.rig.key]);
          if (res.status >= 400) assertAnthropicError(res.status, res.text);
        },
      ),
      { numRuns },
    );
    await assertAlive(env.rig.gw.url);
  });

  test('a NUL byte or a bare CR in a header is refused by the HTTP parser; the gateway goes on', async () => {
    const base = new URL(env.rig.gw.url);
    for (const bad of ['x-api-key: a\u0000b', 'anthropic-beta: a\rb', 'x-\u00e9: 1']) {
      tried++;
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(base.port), base.hostname);
        let text = '';
        socket.on('data', (d) => (text += d.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
        socket.end(`POST /v1/messages HTTP/1.1\r\nhost: x\r\n${bad}\r\ncontent-length: 2\r\n\r\n{}`, 'latin1');
      });
      assert.match(answer, /^HTTP\/1\.1 400/);
    }
    await assertAlive(env.rig.gw.url);
  });

  test('deep nesting (100k levels): 400, not a crash or a 500', async () => {
    const depth = 100_000;
    for (const body of [
      `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":${'['.repeat(depth)}${']'.repeat(depth)}}]}`,
      `{"model":"claude-haiku-4-5","max_tokens":10,"metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)},"messages":[{"role":"user","content":"hi"}]}`,
    ]) {
      for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
        const res = await check(path, body);
        assert.equal(res.status, 400, res.text.slice(0, 300));
      }
    }
    await assertAlive(env.rig.gw.url);
  });

  test('32 MiB bodies: 413 request_too_large, with and without content-length', async () => {
    const big = Buffer.alloc(32 * 1024 * 1024, 'a');
    const res = await check('/v1/messages', big);
    assert.equal(res.status, 413);
    // Streamed in chunks (no content-length): cut off at the limit all the same.
    async function* chunks() {
      for (let i = 0; i < 32; i++) yield Buffer.alloc(1024 * 1024, 'b');
    }
    const streamed = await send(`${env.rig.gw.url}/v1/messages`, { headers: headers(), body: chunks() as never }).catch((err: Error) => ({ status: 0, text: err.message }));
    tried++;
    // The gateway may close the connection while the client still sends: a 413 or a reset, never a 2xx/5xx.
    if (streamed.status) {
      assert.equal(streamed.status, 413);
      assertAnthropicError(413, streamed.text);
    }
    await assertAlive(env.rig.gw.url);
    console.log(`fuzz messages: ${tried} bad inputs tried`);
  });
});
