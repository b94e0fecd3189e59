import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CapabilityTable, rejectionIn } from '../../../src/gateway/bedrock/capabilities.js';
import { translateRequest } from '../../../src/gateway/bedrock/translate-request.js';
import { ModelConfigStore } from '../../../src/gateway/models/mapping-store.js';
import { resolveModel } from '../../../src/gateway/models/resolve.js';
import { profilePrefixesForRegion } from '../../../src/gateway/models/catalog.js';
import type { Db } from '../../../src/db/db.js';

/** A store with no admin configuration: code defaults only. */
function emptyStore(overrides: { mappings?: [string, string][]; betas?: { model: string; beta: string; allowed: boolean }[] } = {}): ModelConfigStore {
  const db = {
    query: async (sql: string) => ({
      rows: sql.includes('model_mappings')
        ? (overrides.mappings ?? []).map(([model, bedrock_model]) => ({ model, bedrock_model, display_name: null }))
        : (overrides.betas ?? []),
      rowCount: 0,
    }),
  } as unknown as Db;
  return new ModelConfigStore(db);
}

/** What Claude Code 2.1.330 sends on a main-loop request (protocols.md 3.2/3.3). */
function claudeCodeBody(model = 'claude-sonnet-4-5'): Record<string, any> {
  return {
    model,
    max_tokens: 128000,
    stream: true,
    system: [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.330.4f8; cc_entrypoint=sdk-cli;' },
      { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral', scope: 'global' } },
    ],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'list the files' }] },
      { role: 'system', content: 'The user is in /tmp/project.' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: '', signature: 'sig==' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
    ],
    tools: [
      { name: 'Bash', description: 'run', input_schema: { type: 'object' } },
      { name: 'WebFetch', description: 'fetch', input_schema: { type: 'object' }, defer_loading: true },
    ],
    metadata: { user_id: '{"device_id":"d","session_id":"s"}', extra: 1 },
    thinking: { type: 'adaptive', display: 'omitted' },
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    output_config: { effort: 'medium' },
  };
}
const claudeCodeBetas =
  'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,per-turn-control-2026-07-01,mid-conversation-tool-changes-2026-07-01,thinking-token-count-2026-05-13,advanced-tool-use-2025-11-20,effort-2025-11-24';

test("Claude Code's body becomes a valid InvokeModel body for Sonnet 4.5", () => {
  const store = emptyStore();
  const caps = new CapabilityTable(store);
  const model = resolveModel('claude-sonnet-4-5', store, ['us', 'global']);
  assert.equal(model.bedrockModelId, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0');
  const original = claudeCodeBody();
  const snapshot = JSON.stringify(original);
  const { body, modelId } = translateRequest(original, claudeCodeBetas, model, caps, 'e');
  assert.equal(JSON.stringify(original), snapshot, 'the client request is not mutated');
  assert.equal(modelId, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0');
  assert.equal(body.anthropic_version, 'bedrock-2023-05-31');
  assert.equal('model' in body, false);
  assert.equal('stream' in body, false);
  // Only betas Bedrock knows; advanced-tool-use is Bedrock's tool-search beta.
  assert.deepEqual(body.anthropic_beta, ['interleaved-thinking-2025-05-14', 'tool-search-tool-2025-10-19', 'effort-2025-11-24']);
  // Sonnet 4.5 takes thinking with a budget, not adaptive; effort is not accepted.
  assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 8192 });
  assert.equal('output_config' in body, false);
  assert.equal('context_management' in body, false);
  // The system message joins the user turn before it; the rest keeps alternating.
  assert.deepEqual((body.messages as any[]).map((m) => m.role), ['user', 'assistant', 'user']);
  assert.deepEqual((body.messages as any[])[0].content.at(-1), { type: 'text', text: 'The user is in /tmp/project.' });
  // Thinking blocks go back unmodified.
  assert.deepEqual((body.messages as any[])[1].content[0], { type: 'thinking', thinking: '', signature: 'sig==' });
  // The attribution block stays first; cache_control loses `scope`.
  assert.match((body.system as any[])[0].text, /^x-anthropic-billing-header/);
  assert.deepEqual((body.system as any[])[1].cache_control, { type: 'ephemeral' });
  assert.deepEqual(body.metadata, { user_id: '{"device_id":"d","session_id":"s"}' });
  // The tool-search beta is kept, so deferred tools keep defer_loading.
  assert.equal((body.tools as any[])[1].defer_loading, true);
});

test('adaptive-only models get adaptive thinking; system messages stay for models that take them', () => {
  const store = emptyStore();
  const caps = new CapabilityTable(store);
  const opus48 = resolveModel('claude-opus-4-8', store, ['eu', 'global']);
  assert.equal(opus48.bedrockModelId, 'eu.anthropic.claude-opus-4-8');
  const req = { ...claudeCodeBody('claude-opus-4-8'), thinking: { type: 'enabled', budget_tokens: 4000 } };
  const { body } = translateRequest(req, undefined, opus48, caps, 'e');
  assert.deepEqual(body.thinking, { type: 'adaptive' });
  assert.deepEqual(body.output_config, { effort: 'medium' });
  assert.equal((body.messages as any[])[1].role, 'system');
});

test('adaptive thinking with too little room for a budget is dropped; display goes for enabled-only models', () => {
  const store = emptyStore();
  const caps = new CapabilityTable(store);
  const haiku = resolveModel('claude-haiku-4-5', store, ['us', 'global']);
  const small = translateRequest({ model: 'claude-haiku-4-5', max_tokens: 512, messages: [], thinking: { type: 'adaptive' } }, undefined, haiku, caps, 'e');
  assert.equal('thinking' in small.body, false);
  const display = translateRequest({ model: 'x', max_tokens: 9000, messages: [], thinking: { type: 'enabled', budget_tokens: 2000, display: 'omitted' } }, undefined, haiku, caps, 'e');
  assert.deepEqual(display.body.thinking, { type: 'enabled', budget_tokens: 2000 });
});

test('[1m] asks for the long-context beta; unknown fields and server tools are handled', () => {
  const store = emptyStore();
  const caps = new CapabilityTable(store);
  const model = resolveModel('claude-sonnet-4-5[1m]', store, ['us', 'global']);
  assert.equal(model.longContext, true);
  const { body, changes } = translateRequest(
    { model: 'claude-sonnet-4-5[1m]', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], service_tier: 'auto', container: 'c', cache_control: { type: 'ephemeral' } },
    undefined,
    model,
    caps,
    'e',
  );
  assert.deepEqual(body.anthropic_beta, ['context-1m-2025-08-07']);
  assert.equal('service_tier' in body, false);
  assert.equal('container' in body, false);
  assert.ok(changes.includes('dropped field service_tier'));
  // Automatic caching becomes a breakpoint on the last block.
  assert.deepEqual((body.messages as any[])[0].content, [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }]);
  assert.throws(
    () => translateRequest({ model: 'x', max_tokens: 10, messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, undefined, model, caps, 'e'),
    /web_search_20250305 is not available/,
  );
  assert.throws(
    () => translateRequest({ model: 'x', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] }, undefined, model, caps, 'e'),
    /URL source are not supported on Amazon Bedrock/,
  );
});

test('retired tool versions are rewritten with their betas', () => {
  const store = emptyStore();
  const model = resolveModel('claude-sonnet-4-5', store, ['us', 'global']);
  const { body } = translateRequest(
    { model: 'x', max_tokens: 10, messages: [], tools: [{ type: 'text_editor_20241022', name: 'str_replace_editor' }, { type: 'computer_20241022', name: 'computer' }] },
    undefined,
    model,
    new CapabilityTable(store),
    'e',
  );
  assert.deepEqual((body.tools as any[]).map((t) => [t.type, t.name]), [['text_editor_20250728', 'str_replace_based_edit_tool'], ['computer_20250124', 'computer']]);
  assert.deepEqual(body.anthropic_beta, ['computer-use-2025-01-24']);
});

test('learned rejections and admin overrides change what is sent', () => {
  const store = emptyStore();
  const caps = new CapabilityTable(store);
  const model = resolveModel('claude-sonnet-4-5', store, ['us', 'global']);
  const req = { model: 'x', max_tokens: 10, messages: [], output_config: { format: { type: 'json_schema' } }, tools: [{ name: 't', input_schema: {}, strict: true }] };
  caps.learn('e', 'claude-sonnet-4-5-20250929', 'beta', 'interleaved-thinking-2025-05-14');
  caps.learn('e', 'claude-sonnet-4-5-20250929', 'field', 'output_config');
  caps.learn('e', 'claude-sonnet-4-5-20250929', 'tool_field', 'strict');
  const { body } = translateRequest(req, 'interleaved-thinking-2025-05-14', model, caps, 'e');
  assert.equal('anthropic_beta' in body, false);
  assert.equal('output_config' in body, false);
  assert.deepEqual(body.tools, [{ name: 't', input_schema: {} }]);
  // Another endpoint has learned nothing.
  assert.deepEqual(translateRequest(req, 'interleaved-thinking-2025-05-14', model, caps, 'other').body.anthropic_beta, ['interleaved-thinking-2025-05-14']);

  const admin = emptyStore({ betas: [{ model: '*', beta: 'claude-code-20250219', allowed: true }, { model: 'claude-sonnet-4-5-20250929', beta: 'claude-code-20250219', allowed: false }] });
  return admin.reload().then(() => {
    const caps2 = new CapabilityTable(admin);
    assert.equal(caps2.betaAllowed('e', 'claude-sonnet-4-5-20250929', 'claude-code-20250219'), false);
    assert.equal(caps2.betaAllowed('e', 'claude-opus-4-8', 'claude-code-20250219'), true);
  });
});

test('Bedrock refusals are read for what they name', () => {
  assert.deepEqual(rejectionIn('Malformed input request: #: extraneous key [output_config] is not permitted, please reformat your input and try again.'), { kind: 'field', name: 'output_config' });
  assert.deepEqual(rejectionIn('The model returned the following errors: context_management: Extra inputs are not permitted'), { kind: 'field', name: 'context_management' });
  assert.deepEqual(rejectionIn('The model returned the following errors: tools.2.defer_loading: Extra inputs are not permitted'), { kind: 'tool_field', name: 'defer_loading' });
  assert.deepEqual(rejectionIn('The model returned the following errors: invalid beta flag'), { kind: 'beta', name: undefined });
  assert.deepEqual(rejectionIn('invalid beta flag: effort-2025-11-24'), { kind: 'beta', name: 'effort-2025-11-24' });
  assert.equal(rejectionIn('Input is too long for requested model.'), undefined);
});

test('models resolve through admin mappings, the catalog, or pass through; unknown ones are 404', async () => {
  const store = emptyStore({ mappings: [['claude-opus-5-5', 'anthropic.claude-opus-4-8'], ['team-model', 'arn:aws:bedrock:us-east-1:123:application-inference-profile/abc']] });
  await store.reload();
  assert.equal(resolveModel('claude-opus-5-5', store, ['us', 'global']).bedrockModelId, 'us.anthropic.claude-opus-4-8');
  assert.equal(resolveModel('team-model', store, ['us', 'global']).bedrockModelId, 'arn:aws:bedrock:us-east-1:123:application-inference-profile/abc');
  assert.equal(resolveModel('claude-sonnet-4-5-20250929', store, ['apac', 'global']).bedrockModelId, 'global.anthropic.claude-sonnet-4-5-20250929-v1:0');
  assert.equal(resolveModel('eu.anthropic.claude-haiku-4-5-20251001-v1:0', store, ['us', 'global']).info?.id, 'claude-haiku-4-5-20251001');
  assert.equal(resolveModel('anthropic.claude-new-9', store, ['us', 'global']).bedrockModelId, 'anthropic.claude-new-9');
  assert.throws(() => resolveModel('gpt-4o', store, ['us', 'global']), (e: any) => e.status === 404 && e.message === 'model: gpt-4o');
  // Tokyo has jp. profiles where a model offers them; Opus 4.1 exists only as us.
  assert.equal(resolveModel('claude-sonnet-4-5', store, profilePrefixesForRegion('ap-northeast-1')).bedrockModelId, 'jp.anthropic.claude-sonnet-4-5-20250929-v1:0');
  assert.equal(resolveModel('claude-haiku-4-5', store, profilePrefixesForRegion('ap-northeast-1')).bedrockModelId, 'global.anthropic.claude-haiku-4-5-20251001-v1:0');
  assert.equal(resolveModel('claude-opus-4-1', store, profilePrefixesForRegion('eu-west-1')).bedrockModelId, 'us.anthropic.claude-opus-4-1-20250805-v1:0');
});
