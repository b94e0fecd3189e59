import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultAcceptedBetas, defaultAcceptedFields } from '../../../src/emulator/accepted-input.js';
import { resolveModelId, type CatalogModel } from '../../../src/emulator/catalog.js';
import { checkInvokeBody, findViolations, type BodyRules } from '../../../src/emulator/validate.js';

const model = (id: string): CatalogModel => resolveModelId(id, 'us-east-1').model;
const sonnet45 = model('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
const opus46 = model('global.anthropic.claude-opus-4-6-v1');
const opus47 = model('global.anthropic.claude-opus-4-7');
const opus48 = model('global.anthropic.claude-opus-4-8');
const fable5 = model('global.anthropic.claude-fable-5');
const sonnet5 = model('global.anthropic.claude-sonnet-5');

function rules(m: CatalogModel = sonnet45, overrides: Partial<BodyRules> = {}): BodyRules {
  return { model: m, acceptedFields: defaultAcceptedFields, acceptedBetas: defaultAcceptedBetas, enforceContextWindow: true, ...overrides };
}

const valid = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] };

function body(fields: Record<string, unknown>): Record<string, unknown> {
  return { ...valid, ...fields };
}

/** The message Bedrock would answer; fails the test if the body would be accepted. */
function refusal(value: unknown, r: BodyRules = rules()): string {
  const check = checkInvokeBody(typeof value === 'string' ? value : JSON.stringify(value), r);
  if (check.ok) assert.fail('expected the body to be refused');
  return check.message;
}

function accepts(value: unknown, r: BodyRules = rules()): void {
  const check = checkInvokeBody(JSON.stringify(value), r);
  assert.deepEqual(check.ok ? [] : check.violations, []);
}

const model_ = 'The model returned the following errors: ';

test('a translated body with every accepted field passes', () => {
  accepts(valid);
  accepts(
    body({
      anthropic_beta: ['interleaved-thinking-2025-05-14', 'context-management-2025-06-27', 'compact-2026-01-12', 'tool-search-tool-2025-10-19'],
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      stop_sequences: ['\n\nHuman:'],
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object' }, defer_loading: true }],
      tool_choice: { type: 'auto' },
      thinking: { type: 'enabled', budget_tokens: 2048 },
      metadata: { user_id: 'u-1' },
      output_config: { effort: 'high' },
      context_management: { edits: [{ type: 'compact_20260112' }] },
      max_tokens: 128_000,
    }),
  );
});

test('a body that is not JSON, or not an object, is malformed', () => {
  assert.equal(refusal('{"anthropic_version":'), 'Malformed input request, please reformat your input and try again.');
  assert.equal(refusal(''), 'Malformed input request, please reformat your input and try again.');
  assert.equal(refusal('[1]'), 'Malformed input request: #: expected type: JSONObject, found: JSONArray, please reformat your input and try again.');
});

test('keys outside the accepted set are extraneous: model, stream, top-level cache_control, anything unknown', () => {
  for (const key of ['model', 'stream', 'cache_control', 'service_tier', 'surprise']) {
    assert.equal(
      refusal(body({ [key]: true })),
      `Malformed input request: #: extraneous key [${key}] is not permitted, please reformat your input and try again.`,
    );
  }
});

test('required keys, wrong types and the API version are schema violations, all reported in one message', () => {
  for (const key of ['anthropic_version', 'max_tokens', 'messages']) {
    const { [key]: _, ...without } = valid as Record<string, unknown>;
    assert.equal(refusal(without), `Malformed input request: #: required key [${key}] not found, please reformat your input and try again.`);
  }
  assert.equal(
    refusal(body({ max_tokens: '1024', anthropic_beta: 'effort-2025-11-24' })),
    'Malformed input request: #/anthropic_beta: expected type: JSONArray, found: String#/max_tokens: expected type: Integer, found: String, please reformat your input and try again.',
  );
  assert.equal(
    refusal(body({ anthropic_version: '2023-06-01' })),
    'Malformed input request: #/anthropic_version: 2023-06-01 is not a valid enum value, please reformat your input and try again.',
  );
  assert.equal(refusal(body({ max_tokens: 0 })), 'Malformed input request: #/max_tokens: 0 is not greater or equal to 1, please reformat your input and try again.');
  const { messages: _, ...noMessages } = valid;
  assert.equal(
    refusal({ ...noMessages, model: 'x' }),
    'Malformed input request: #: required key [messages] not found#: extraneous key [model] is not permitted, please reformat your input and try again.',
  );
});

test('the accepted fields are a setting: an older Bedrock refuses context_management, a newer one takes service_tier', () => {
  const older = rules(sonnet45, { acceptedFields: defaultAcceptedFields.filter((f) => f !== 'context_management') });
  assert.match(refusal(body({ context_management: { edits: [] } }), older), /extraneous key \[context_management\]/);
  accepts(body({ service_tier: 'auto' }), rules(sonnet45, { acceptedFields: [...defaultAcceptedFields, 'service_tier'] }));
});

test('a beta outside the accepted set fails the whole request with "invalid beta flag"', () => {
  for (const beta of ['claude-code-20250219', 'advanced-tool-use-2025-11-20', 'oauth-2025-04-20', 'prompt-caching-scope-2026-01-05']) {
    assert.equal(refusal(body({ anthropic_beta: ['effort-2025-11-24', beta] })), `${model_}invalid beta flag`);
  }
  accepts(body({ anthropic_beta: ['claude-code-20250219'] }), rules(sonnet45, { acceptedBetas: ['claude-code-20250219'] }));
});

test('context_management takes only compaction edits, with their beta', () => {
  const extra = `${model_}context_management: Extra inputs are not permitted`;
  assert.equal(refusal(body({ context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] } })), extra);
  assert.equal(refusal(body({ context_management: { edits: [{ type: 'compact_20260112' }] } })), extra);
  accepts(body({ anthropic_beta: ['compact-2026-01-12'], context_management: { edits: [{ type: 'compact_20260112' }] } }));
});

test('role:"system" messages are refused except by Fable 5 and Opus 4.8', () => {
  const withSystem = body({ messages: [{ role: 'user', content: 'Hi' }, { role: 'system', content: 'Be brief.' }] });
  for (const m of [sonnet45, opus46, opus47, sonnet5]) {
    assert.equal(refusal(withSystem, rules(m)), `${model_}messages.1.role: Input should be 'user' or 'assistant'`);
  }
  accepts(withSystem, rules(opus48));
  accepts(withSystem, rules(fable5));
  assert.equal(refusal(body({ messages: [{ role: 'tool', content: 'x' }] }), rules(opus48)), `${model_}messages.0.role: Input should be 'user', 'assistant' or 'system'`);
});

test('each model takes only its thinking modes, and enabled thinking has budget rules', () => {
  assert.equal(
    refusal(body({ max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } }), rules(opus47)),
    `${model_}"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.`,
  );
  assert.equal(
    refusal(body({ thinking: { type: 'adaptive' } }), rules(sonnet45)),
    `${model_}thinking.type: Input tag 'adaptive' found using 'type' does not match any of the expected tags: 'disabled', 'enabled'`,
  );
  accepts(body({ thinking: { type: 'adaptive', display: 'omitted' } }), rules(opus46));
  accepts(body({ max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } }), rules(opus46));
  accepts(body({ thinking: { type: 'disabled' } }), rules(opus47));

  assert.equal(refusal(body({ thinking: { type: 'enabled' } })), `${model_}thinking.enabled.budget_tokens: Field required`);
  assert.equal(refusal(body({ thinking: { type: 'enabled', budget_tokens: 500 } })), `${model_}thinking.enabled.budget_tokens: Input should be greater than or equal to 1024`);
  assert.equal(refusal(body({ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 2048 } })), `${model_}\`max_tokens\` must be greater than \`thinking.budget_tokens\`.`);
  // Interleaved thinking spends the budget across the turn.
  accepts(body({ max_tokens: 2048, anthropic_beta: ['interleaved-thinking-2025-05-14'], thinking: { type: 'enabled', budget_tokens: 4096 } }));
  assert.equal(refusal(body({ temperature: 0.2, thinking: { type: 'adaptive' } }), rules(opus48)), `${model_}\`temperature\` may only be set to 1 when thinking is enabled.`);
});

test('cache_control.scope is refused wherever it appears, naming the path', () => {
  const scoped = { type: 'ephemeral', scope: 'global' };
  assert.equal(
    refusal(body({ system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: scoped }] })),
    `${model_}system.1.cache_control.scope: Extra inputs are not permitted`,
  );
  assert.equal(
    refusal(body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: scoped }] }] })),
    `${model_}messages.0.content.0.cache_control.scope: Extra inputs are not permitted`,
  );
  assert.equal(
    refusal(body({ tools: [{ name: 'Bash', input_schema: { type: 'object' }, cache_control: scoped }] })),
    `${model_}tools.0.cache_control.scope: Extra inputs are not permitted`,
  );
  const nested = body({
    messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'ok', cache_control: scoped }] }] },
    ],
  });
  assert.equal(refusal(nested), `${model_}messages.2.content.0.content.0.cache_control.scope: Extra inputs are not permitted`);
});

test('retired tool versions and server tools are refused by name; deferred tools need the tool-search beta', () => {
  for (const type of ['bash_20241022', 'text_editor_20241022', 'computer_20241022', 'web_search_20250305', 'web_fetch_20250910', 'code_execution_20250825']) {
    const message = refusal(body({ tools: [{ type, name: 'x' }] }));
    assert.ok(message.startsWith(`${model_}tools.0: Input tag '${type}' found using 'type' does not match any of the expected tags: `), message);
  }
  accepts(body({ anthropic_beta: ['computer-use-2025-01-24'], tools: [{ type: 'bash_20250124', name: 'bash' }, { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' }] }));

  const deferred = { tools: [{ name: 'Bash', input_schema: { type: 'object' } }, { name: 'WebSearch', input_schema: { type: 'object' }, defer_loading: true }] };
  assert.equal(refusal(body(deferred)), `${model_}tools.1.defer_loading: Extra inputs are not permitted`);
  accepts(body({ ...deferred, anthropic_beta: ['tool-search-tool-2025-10-19'] }));
});

test('images and documents must be inline: URL and file sources are refused', () => {
  const image = { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } };
  assert.equal(
    refusal(body({ messages: [{ role: 'user', content: [image, { type: 'text', text: 'what is this?' }] }] })),
    "This model doesn't support the url source type. Send the image as base64 data and try again.",
  );
  const file = { type: 'document', source: { type: 'file', file_id: 'file_011' } };
  assert.equal(
    refusal(body({ messages: [{ role: 'user', content: [file] }] })),
    "This model doesn't support the file source type. Send the document as base64 data and try again.",
  );
  accepts(body({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }] }));
});

test('the conversation must start with user, alternate, and answer every tool use', () => {
  assert.equal(refusal(body({ messages: [] })), `${model_}messages: at least one message is required`);
  assert.equal(refusal(body({ messages: [{ role: 'assistant', content: 'Hi' }] })), `${model_}messages: first message must use the "user" role`);
  assert.equal(
    refusal(body({ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] })),
    `${model_}messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row`,
  );
  assert.equal(
    refusal(body({ messages: [{ role: 'user', content: [] }] })),
    `${model_}messages.0: all messages must have non-empty content except for the optional final assistant message`,
  );
  const toolUse = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] };
  assert.equal(
    refusal(body({ messages: [{ role: 'user', content: 'go' }, toolUse, { role: 'user', content: 'what happened?' }] })),
    `${model_}messages.1: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: toolu_1. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
  );
  assert.equal(
    refusal(body({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'x' }] }] })),
    `${model_}messages.0.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: toolu_9. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
  );
  accepts(body({ messages: [{ role: 'user', content: 'go' }, toolUse, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }] }] }));
  // A final assistant message is a prefill, and may be empty.
  accepts(body({ messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: '' }] }));
});

test('a prompt above the context window is too long, unless the 1M beta widens it or the caller only counts', () => {
  const long = body({ messages: [{ role: 'user', content: 'word '.repeat(170_000) }] });
  assert.equal(refusal(long), 'Input is too long for requested model.');
  accepts({ ...long, anthropic_beta: ['context-1m-2025-08-07'] });
  accepts(long, rules(sonnet45, { enforceContextWindow: false }));
  accepts(long, rules(opus46));
});

test('max_tokens above 128000 is refused, naming the model', () => {
  assert.equal(
    refusal(body({ max_tokens: 128_001 }), rules(opus48)),
    `${model_}max_tokens: 128001 > 128000, which is the maximum allowed number of output tokens for claude-opus-4-8`,
  );
});

test('the schema layer answers before the model, and the model names its first problem only', () => {
  const both = body({ model: 'x', anthropic_beta: ['oauth-2025-04-20'] });
  assert.match(refusal(both), /^Malformed input request: #: extraneous key \[model\]/);
  const modelLevel = body({ anthropic_beta: ['oauth-2025-04-20'], messages: [{ role: 'system', content: 'x' }] });
  assert.equal(refusal(modelLevel), `${model_}invalid beta flag`);
  assert.deepEqual(
    findViolations(JSON.stringify(modelLevel), rules()).map((v) => v.rule),
    ['beta', 'role', 'conversation'],
  );
});

/**
 * What Claude Code 2.1.330 sends to ANTHROPIC_BASE_URL (protocols.md 3.2/3.3, captured), with
 * its anthropic-beta header. Forwarded to Bedrock untranslated, it must be refused.
 */
const claudeCodeBetas = [
  'claude-code-20250219',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'per-turn-control-2026-07-01',
  'mid-conversation-tool-changes-2026-07-01',
  'thinking-token-count-2026-05-13',
  'advanced-tool-use-2025-11-20',
  'effort-2025-11-24',
];
const claudeCodeBody = {
  model: 'claude-opus-5-5',
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: '<system-reminder>\nAs you answer the user\'s questions, you can use the following context:\n</system-reminder>' },
        { type: 'text', text: 'reply with the word pong' },
      ],
    },
    { role: 'system', content: 'The user is running Claude Code non-interactively (-p).' },
  ],
  system: [
    { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.330.4f8; cc_entrypoint=sdk-cli;' },
    { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
    { type: 'text', text: 'You are an interactive agent that helps users with software engineering tasks.', cache_control: { type: 'ephemeral' } },
  ],
  tools: [
    {
      name: 'Bash',
      description: 'Executes a given bash command and returns its output.',
      input_schema: { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' } }, required: ['command'] },
    },
    { name: 'Read', description: 'Reads a file from the local filesystem.', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } },
    {
      name: 'WebSearch',
      description: 'Searches the web.',
      input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
      defer_loading: true,
    },
  ],
  metadata: { user_id: JSON.stringify({ device_id: '5f0c…', account_uuid: '', session_id: '0b6a5a4e-3c1d-4d4e-9a51-6f2f0a3c9b11' }) },
  max_tokens: 128_000,
  thinking: { type: 'adaptive', display: 'omitted' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  output_config: { effort: 'medium' },
  stream: true,
};

test('a raw Claude Code body is refused by Bedrock, for each of these reasons', () => {
  const raw = { ...claudeCodeBody, anthropic_version: 'bedrock-2023-05-31' };
  const reasons = (m: CatalogModel) => findViolations(JSON.stringify(raw), rules(m)).map((v) => `${v.rule}: ${v.detail}`);

  assert.equal(
    refusal(raw),
    'Malformed input request: #: extraneous key [model] is not permitted#: extraneous key [stream] is not permitted, please reformat your input and try again.',
  );
  assert.deepEqual(reasons(sonnet45), [
    'schema: #: extraneous key [model] is not permitted',
    'schema: #: extraneous key [stream] is not permitted',
    'context-management: context_management: Extra inputs are not permitted',
    "role: messages.1.role: Input should be 'user' or 'assistant'",
    "thinking: thinking.type: Input tag 'adaptive' found using 'type' does not match any of the expected tags: 'disabled', 'enabled'",
    'tool-field: tools.2.defer_loading: Extra inputs are not permitted',
  ]);
  // Opus 4.8 takes system messages and adaptive thinking; the rest still stands.
  assert.deepEqual(reasons(opus48), [
    'schema: #: extraneous key [model] is not permitted',
    'schema: #: extraneous key [stream] is not permitted',
    'context-management: context_management: Extra inputs are not permitted',
    'tool-field: tools.2.defer_loading: Extra inputs are not permitted',
  ]);
});

test('translated only as the Anthropic Bedrock SDK does (betas into the body, model and stream out), it is still refused', () => {
  const { model: _model, stream: _stream, ...rest } = claudeCodeBody;
  const naive = { ...rest, anthropic_version: 'bedrock-2023-05-31', anthropic_beta: claudeCodeBetas };
  assert.equal(refusal(naive, rules(opus48)), `${model_}invalid beta flag`);
  assert.deepEqual(
    findViolations(JSON.stringify(naive), rules(opus48)).map((v) => `${v.rule}: ${v.subject}`),
    [
      'beta: claude-code-20250219',
      'beta: per-turn-control-2026-07-01',
      'beta: mid-conversation-tool-changes-2026-07-01',
      'beta: thinking-token-count-2026-05-13',
      'beta: advanced-tool-use-2025-11-20',
      'context-management: clear_thinking_20251015',
      'tool-field: tools.2.defer_loading',
    ],
  );

  // What a correct translation for Opus 4.8 looks like: Bedrock's betas, the tool-search beta for
  // the deferred tool, and no clear_thinking edit.
  const { context_management: _cm, ...translated } = naive;
  accepts(
    { ...translated, anthropic_beta: ['interleaved-thinking-2025-05-14', 'context-management-2025-06-27', 'effort-2025-11-24', 'tool-search-tool-2025-10-19'] },
    rules(opus48),
  );
});
