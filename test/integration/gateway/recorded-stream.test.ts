import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { recordedScript } from '../../helpers/recorded-stream.js';
import { test } from 'node:test';
import { http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

/** Server-sent events as [name, parsed data] pairs. */
function parseSse(text: string): [string, unknown][] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const name = /^event: (.+)$/m.exec(block)![1]!;
      const data = /^data: (.+)$/m.exec(block)![1]!;
      return [name, JSON.parse(data)];
    });
}


const env = useInferenceRig('pglite', { emulator: { script: () => recordedScript } });

test("the recorded Bedrock stream comes out of the gateway as Anthropic's SSE, without Bedrock's metrics", async () => {
  const res = await http(`${env.rig.gw.url}/v1/messages`, {
    method: 'POST',
    apiKey: env.rig.key,
    body: { model: 'claude-sonnet-4-5-20250929', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'Hi' }] },
  });
  assert.equal(res.status, 200);
  const expected = parseSse(readFileSync(new URL('../../fixtures/bedrock-invoke-stream-sonnet45-hi.expected.sse', import.meta.url), 'utf8'));
  const stop = expected.at(-1)![1] as Record<string, unknown>;
  delete stop['amazon-bedrock-invocationMetrics'];
  assert.deepEqual(parseSse(res.body), expected);
});
