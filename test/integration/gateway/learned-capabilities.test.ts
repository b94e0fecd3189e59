import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultAcceptedBetas, defaultAcceptedFields } from '../../../src/emulator/index.js';
import { http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';

// An "older Bedrock": it does not know the interleaved-thinking beta, nor output_config.
const env = useInferenceRig('pglite', {
  emulator: {
    acceptedBetas: defaultAcceptedBetas.filter((b) => b !== 'interleaved-thinking-2025-05-14'),
    acceptedFields: defaultAcceptedFields.filter((f) => f !== 'output_config'),
  },
});

const claudeCodeLike = {
  model: 'claude-opus-4-8',
  max_tokens: 32000,
  stream: true,
  thinking: { type: 'adaptive', display: 'omitted' },
  output_config: { effort: 'medium' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  messages: [{ role: 'user', content: 'hello' }],
};
const betas = 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,effort-2025-11-24';

const send = () =>
  http(`${env.rig.gw.url}/v1/messages?beta=true`, {
    method: 'POST',
    apiKey: env.rig.key,
    headers: { 'anthropic-beta': betas, 'anthropic-version': '2023-06-01' },
    body: claudeCodeLike,
  });

test('what an older Bedrock refuses is learned and stripped: the request succeeds, the next one needs no retry', async () => {
  const before = env.rig.emulator.requests.length;
  const first = await send();
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.match(first.body, /event: message_stop/);
  const firstCalls = env.rig.emulator.requests.slice(before);
  assert.ok(firstCalls.length >= 2, 'the first request was retried');
  assert.equal(firstCalls.filter((r) => !r.outcome.ok).length, firstCalls.length - 1);
  assert.deepEqual(firstCalls.at(-1)!.outcome, { ok: true });
  assert.equal('output_config' in firstCalls.at(-1)!.body, false);

  const mark = env.rig.emulator.requests.length;
  const second = await send();
  assert.equal(second.status, 200);
  const secondCalls = env.rig.emulator.requests.slice(mark);
  assert.equal(secondCalls.length, 1, 'no retry the second time');
  assert.deepEqual(secondCalls[0]!.outcome, { ok: true });

  await env.rig.gw.gateway.inference.requestLog.flush();
  const { rows } = await env.db.db.query<{ retried_without: string[] }>('SELECT retried_without FROM requests ORDER BY at');
  assert.ok(rows[0]!.retried_without.includes('field:output_config'));
  assert.deepEqual(rows[1]!.retried_without, []);
});
