import assert from 'node:assert/strict';
import { test } from 'node:test';
import { http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

const env = useInferenceRig('pglite');

// Claude Opus 4.8 has no Bedrock CountTokens: count_tokens is the calibrated estimate.
const model = 'claude-opus-4-8';

function png(width: number, height: number): string {
  const b = Buffer.alloc(48);
  b.writeUInt32BE(0x89504e47, 0);
  b.writeUInt32BE(0x0d0a1a0a, 4);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b.toString('base64');
}
const prose = (n: number) => 'The gateway translates every request and keeps the wording. '.repeat(n);
const cjk = (n: number) => '网关翻译每个请求并保留措辞。'.repeat(n);
const schema = (i: number, n: number) => ({
  name: `tool_${i}`,
  description: 'Reads and edits files in the workspace. '.repeat(n),
  input_schema: { type: 'object', properties: { path: { type: 'string', description: 'Absolute path. '.repeat(n) }, limit: { type: 'integer' } }, required: ['path'] },
});

function body(kind: string, size: number): Record<string, unknown> {
  switch (kind) {
    case 'prose':
      return { model, system: prose(size), messages: [{ role: 'user', content: prose(size * 2) }] };
    case 'cjk':
      return { model, messages: [{ role: 'user', content: cjk(size) }] };
    case 'image':
      return { model, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(100 * size, 80 * size) } }, { type: 'text', text: 'Describe it.' }] }] };
    case 'tools':
      return { model, tools: Array.from({ length: size }, (_, i) => schema(i, 3 + (size % 5))), messages: [{ role: 'user', content: 'Which tool fits?' }] };
    default:
      return {
        model,
        system: prose(size),
        tools: [schema(1, size), schema(2, 2)],
        messages: [
          { role: 'user', content: [{ type: 'text', text: cjk(size) }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(640, 480) } }] },
          { role: 'assistant', content: prose(size) },
          { role: 'user', content: 'and now?' },
        ],
      };
  }
}

const kinds = ['prose', 'cjk', 'image', 'tools', 'mixed'];
const send = (path: string, b: Record<string, unknown>) => http(`${env.rig.gw.url}${path}`, { method: 'POST', apiKey: env.rig.key, body: b });

test('count_tokens without Bedrock CountTokens learns from real requests: actual ≤ estimate ≤ 1.15 × actual on held-out inputs', async () => {
  // Warm-up: ordinary traffic; Bedrock reports each request's input tokens.
  for (let i = 0; i < 120; i++) {
    const res = await send('/v1/messages', { ...body(kinds[i % kinds.length]!, 1 + ((i * 7) % 19)), max_tokens: 50 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  assert.equal(env.rig.emulator.requests.filter((r) => r.operation === 'CountTokens').length, 0);
  for (const kind of kinds) {
    for (const size of [3, 12, 31]) {
      const held = body(kind, size);
      const estimate = (await send('/v1/messages/count_tokens', held)).body.input_tokens as number;
      const actual = (await send('/v1/messages', { ...held, max_tokens: 50 })).body.usage.input_tokens as number;
      assert.ok(actual <= estimate, `${kind}/${size}: estimate ${estimate} is below the actual ${actual}`);
      assert.ok(estimate <= actual * 1.15, `${kind}/${size}: estimate ${estimate} is over 1.15 × ${actual}`);
    }
  }
});
