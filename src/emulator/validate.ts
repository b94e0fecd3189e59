/**
 * Bedrock's validation of an InvokeModel body for Claude, as a pure function. Two layers refuse,
 * in this order, both with 400 ValidationException:
 * 1. Bedrock's JSON schema ("Malformed input request: #: …", everit's wording, all schema
 *    violations concatenated into one message);
 * 2. the model ("The model returned the following errors: …", Anthropic's wording, first only),
 *    with a few checks of Bedrock's own in between.
 * findViolations lists every problem, so a test can show each reason a body is refused;
 * checkInvokeBody answers the one message Bedrock would send.
 */
import type { CatalogModel } from './catalog.js';
import { asArray, isRecord } from './json-shape.js';
import { countEmulatedTokens } from './tokens.js';

export type ViolationRule =
  | 'json'
  | 'schema'
  | 'beta'
  | 'context-management'
  | 'role'
  | 'thinking'
  | 'cache-control-scope'
  | 'tool-type'
  | 'tool-field'
  | 'source-type'
  | 'conversation'
  | 'context-window'
  | 'max-tokens';

export interface Violation {
  rule: ViolationRule;
  /** The key, beta, path or value at fault. */
  subject: string;
  /** This problem alone, as the refusing layer words it (without Bedrock's wrapping). */
  detail: string;
  /** The whole message Bedrock would answer if this were the only problem. */
  message: string;
}

export interface BodyRules {
  model: CatalogModel;
  acceptedFields: readonly string[];
  acceptedBetas: readonly string[];
  /** InvokeModel refuses prompts above the context window; CountTokens counts them. */
  enforceContextWindow: boolean;
}

export type BodyCheck =
  | { ok: true; body: Record<string, any> }
  | { ok: false; message: string; violations: Violation[] };

const bedrockAnthropicVersion = 'bedrock-2023-05-31';
const maxOutputTokens = 128_000;
const minThinkingBudget = 1024;
const longContextWindow = 1_000_000;
const modelErrorPrefix = 'The model returned the following errors: ';

export function checkInvokeBody(raw: string, rules: BodyRules): BodyCheck {
  const body = parse(raw);
  const violations = violationsOf(body, rules);
  if (violations.length === 0) return { ok: true, body: body as Record<string, any> };
  const schema = violations.filter((v) => v.rule === 'schema');
  const message = schema.length > 0 ? malformed(schema.map((v) => v.detail).join('')) : violations[0]!.message;
  return { ok: false, message, violations };
}

export function findViolations(raw: string, rules: BodyRules): Violation[] {
  return violationsOf(parse(raw), rules);
}

const notJson = Symbol('not JSON');

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return notJson;
  }
}

function violationsOf(body: unknown, rules: BodyRules): Violation[] {
  if (body === notJson) {
    const message = 'Malformed input request, please reformat your input and try again.';
    return [{ rule: 'json', subject: 'body', detail: message, message }];
  }
  if (!isRecord(body)) {
    const detail = `#: expected type: JSONObject, found: ${jsonTypeName(body)}`;
    return [{ rule: 'schema', subject: '#', detail, message: malformed(detail) }];
  }
  return [
    ...schemaViolations(body, rules),
    ...betaViolations(body, rules),
    ...contextManagementViolations(body),
    ...roleViolations(body, rules.model),
    ...thinkingViolations(body, rules.model),
    ...cacheControlScopeViolations(body),
    ...toolViolations(body),
    ...sourceViolations(body),
    ...conversationViolations(body),
    ...contextWindowViolations(body, rules),
    ...maxTokensViolations(body, rules.model),
  ];
}

const requiredKeys = ['anthropic_version', 'max_tokens', 'messages'];

/** The JSON types Bedrock's schema gives the known top-level keys (everit's type names). */
const fieldTypes: Record<string, string[]> = {
  anthropic_version: ['String'],
  anthropic_beta: ['JSONArray'],
  max_tokens: ['Integer'],
  messages: ['JSONArray'],
  system: ['String', 'JSONArray'],
  stop_sequences: ['JSONArray'],
  temperature: ['Number'],
  top_p: ['Number'],
  top_k: ['Integer'],
  tools: ['JSONArray'],
  tool_choice: ['JSONObject'],
  thinking: ['JSONObject'],
  metadata: ['JSONObject'],
  output_config: ['JSONObject'],
  context_management: ['JSONObject'],
};

function schemaViolations(body: Record<string, any>, rules: BodyRules): Violation[] {
  const found: Violation[] = [];
  const add = (subject: string, detail: string) => found.push({ rule: 'schema', subject, detail, message: malformed(detail) });
  for (const key of requiredKeys) {
    if (!(key in body)) add(key, `#: required key [${key}] not found`);
  }
  for (const key of Object.keys(body)) {
    if (!rules.acceptedFields.includes(key)) add(key, `#: extraneous key [${key}] is not permitted`);
  }
  for (const [key, types] of Object.entries(fieldTypes)) {
    if (!(key in body) || !rules.acceptedFields.includes(key)) continue;
    const actual = jsonTypeName(body[key]);
    if (!types.some((t) => t === actual || (t === 'Number' && (actual === 'Integer' || actual === 'BigDecimal')))) {
      const expected = types.length === 1 ? types[0] : `one of [${types.join(', ')}]`;
      add(key, `#/${key}: expected type: ${expected}, found: ${actual}`);
    }
  }
  asArray(body.anthropic_beta).forEach((beta, i) => {
    if (typeof beta !== 'string') add(`anthropic_beta/${i}`, `#/anthropic_beta/${i}: expected type: String, found: ${jsonTypeName(beta)}`);
  });
  if (typeof body.anthropic_version === 'string' && body.anthropic_version !== bedrockAnthropicVersion) {
    add('anthropic_version', `#/anthropic_version: ${body.anthropic_version} is not a valid enum value`);
  }
  if (Number.isInteger(body.max_tokens) && body.max_tokens < 1) {
    add('max_tokens', `#/max_tokens: ${body.max_tokens} is not greater or equal to 1`);
  }
  return found;
}

function betaViolations(body: Record<string, any>, rules: BodyRules): Violation[] {
  return betasOf(body)
    .filter((beta) => !rules.acceptedBetas.includes(beta))
    .map((beta) => modelError('beta', beta, 'invalid beta flag'));
}

/** Bedrock takes only compaction edits, and only with their beta (LiteLLM's finding, protocols.md 2.2). */
function contextManagementViolations(body: Record<string, any>): Violation[] {
  if (!isRecord(body.context_management)) return [];
  const detail = 'context_management: Extra inputs are not permitted';
  const edits = asArray(body.context_management.edits);
  const refused = edits
    .map((edit) => (isRecord(edit) ? String(edit.type) : jsonTypeName(edit)))
    .filter((type) => type !== 'compact_20260112')
    .map((type) => modelError('context-management', type, detail));
  if (refused.length === 0 && edits.length > 0 && !betasOf(body).includes('compact-2026-01-12')) {
    refused.push(modelError('context-management', 'compact-2026-01-12 beta missing', detail));
  }
  return refused;
}

/** Mid-conversation system messages reach only the models that take them (protocols.md 2.2). */
function roleViolations(body: Record<string, any>, model: CatalogModel): Violation[] {
  const roles = model.systemMessagesInConversation ? ['user', 'assistant', 'system'] : ['user', 'assistant'];
  const expected = model.systemMessagesInConversation ? "'user', 'assistant' or 'system'" : "'user' or 'assistant'";
  return asArray(body.messages).flatMap((message, i) => {
    const role = isRecord(message) ? message.role : undefined;
    if (roles.includes(role)) return [];
    return [modelError('role', `messages.${i}.role`, `messages.${i}.role: Input should be ${expected}`)];
  });
}

function thinkingViolations(body: Record<string, any>, model: CatalogModel): Violation[] {
  const thinking = body.thinking;
  if (!isRecord(thinking) || thinking.type === 'disabled') return [];
  const type = thinking.type;
  if (type === 'enabled' && !model.thinkingModes.includes('enabled') && model.thinkingModes.includes('adaptive')) {
    return [
      modelError(
        'thinking',
        'thinking.type',
        '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.',
      ),
    ];
  }
  if (!model.thinkingModes.includes(type)) {
    const tags = ['disabled', ...model.thinkingModes].sort().map((t) => `'${t}'`).join(', ');
    return [modelError('thinking', 'thinking.type', `thinking.type: Input tag '${String(type)}' found using 'type' does not match any of the expected tags: ${tags}`)];
  }
  const found: Violation[] = [];
  if (type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (budget === undefined) {
      found.push(modelError('thinking', 'thinking.budget_tokens', 'thinking.enabled.budget_tokens: Field required'));
    } else if (!Number.isInteger(budget)) {
      found.push(modelError('thinking', 'thinking.budget_tokens', 'thinking.enabled.budget_tokens: Input should be a valid integer'));
    } else if (budget < minThinkingBudget) {
      found.push(modelError('thinking', 'thinking.budget_tokens', `thinking.enabled.budget_tokens: Input should be greater than or equal to ${minThinkingBudget}`));
    } else if (Number.isInteger(body.max_tokens) && budget >= body.max_tokens && !betasOf(body).includes('interleaved-thinking-2025-05-14')) {
      // Interleaved thinking spreads the budget over the whole turn, so it may exceed max_tokens.
      found.push(modelError('thinking', 'thinking.budget_tokens', '`max_tokens` must be greater than `thinking.budget_tokens`.'));
    }
  }
  if (body.temperature !== undefined && body.temperature !== 1) {
    found.push(modelError('thinking', 'temperature', '`temperature` may only be set to 1 when thinking is enabled.'));
  }
  return found;
}

/** Bedrock does not take cache_control.scope (LiteLLM's finding, protocols.md 1.9). */
function cacheControlScopeViolations(body: Record<string, any>): Violation[] {
  const paths: string[] = [];
  asArray(body.system).forEach((block, i) => scopePaths(block, `system.${i}`, paths));
  asArray(body.messages).forEach((message, i) => {
    if (isRecord(message)) asArray(message.content).forEach((block, j) => scopePaths(block, `messages.${i}.content.${j}`, paths));
  });
  asArray(body.tools).forEach((tool, i) => scopePaths(tool, `tools.${i}`, paths));
  return paths.map((path) => modelError('cache-control-scope', path, `${path}: Extra inputs are not permitted`));
}

function scopePaths(block: unknown, path: string, into: string[]): void {
  if (!isRecord(block)) return;
  if (isRecord(block.cache_control) && 'scope' in block.cache_control) into.push(`${path}.cache_control.scope`);
  if (block.type === 'tool_result') asArray(block.content).forEach((inner, k) => scopePaths(inner, `${path}.content.${k}`, into));
}

/** Versions vercel rewrites before calling Bedrock (protocols.md 2.2), and the server tools Bedrock lacks. */
const retiredToolTypes = new Set(['bash_20241022', 'text_editor_20241022', 'computer_20241022']);
const serverToolType = /^(web_search|web_fetch|code_execution|advisor|computer_toolset|browser_toolset)_\d{8}$/;
const clientToolTags = [
  'bash_20250124',
  'computer_20250124',
  'custom',
  'memory_20250818',
  'text_editor_20250124',
  'text_editor_20250429',
  'text_editor_20250728',
  'tool_search_tool_bm25_20251119',
  'tool_search_tool_regex_20251119',
];

function toolViolations(body: Record<string, any>): Violation[] {
  const toolSearch = betasOf(body).includes('tool-search-tool-2025-10-19');
  return asArray(body.tools).flatMap((tool, i) => {
    if (!isRecord(tool)) return [];
    const found: Violation[] = [];
    const type = tool.type;
    if (typeof type === 'string' && (retiredToolTypes.has(type) || serverToolType.test(type))) {
      const tags = clientToolTags.map((t) => `'${t}'`).join(', ');
      found.push(modelError('tool-type', type, `tools.${i}: Input tag '${type}' found using 'type' does not match any of the expected tags: ${tags}`));
    }
    // A body field that needs a beta is refused without it: Claude Code's "pairing rule".
    if ('defer_loading' in tool && !toolSearch) {
      found.push(modelError('tool-field', `tools.${i}.defer_loading`, `tools.${i}.defer_loading: Extra inputs are not permitted`));
    }
    return found;
  });
}

/** InvokeModel has no URL sources and no Files API (protocols.md 2.2). */
function sourceViolations(body: Record<string, any>): Violation[] {
  const found: Violation[] = [];
  const visit = (block: unknown, path: string) => {
    if (!isRecord(block)) return;
    if ((block.type === 'image' || block.type === 'document') && isRecord(block.source) && (block.source.type === 'url' || block.source.type === 'file')) {
      const message = `This model doesn't support the ${block.source.type} source type. Send the ${block.type} as base64 data and try again.`;
      found.push({ rule: 'source-type', subject: `${path}.source`, detail: message, message });
    }
    if (block.type === 'tool_result') asArray(block.content).forEach((inner, k) => visit(inner, `${path}.content.${k}`));
  };
  asArray(body.messages).forEach((message, i) => {
    if (isRecord(message)) asArray(message.content).forEach((block, j) => visit(block, `messages.${i}.content.${j}`));
  });
  return found;
}

/** The Messages API's conversation shape: starts with user, alternates, tool results answer tool uses. */
function conversationViolations(body: Record<string, any>): Violation[] {
  if (!Array.isArray(body.messages)) return [];
  const found: Violation[] = [];
  const add = (subject: string, detail: string) => found.push(modelError('conversation', subject, detail));
  const turns = body.messages
    .map((message: unknown, index: number) => ({ index, message: isRecord(message) ? message : {} }))
    .filter((turn) => turn.message.role === 'user' || turn.message.role === 'assistant');
  if (turns.length === 0) {
    add('messages', 'messages: at least one message is required');
    return found;
  }
  if (turns[0]!.message.role !== 'user') add('messages.0', 'messages: first message must use the "user" role');
  turns.forEach((turn, k) => {
    const { index, message } = turn;
    const previous = turns[k - 1];
    if (previous && previous.message.role === message.role) {
      add(`messages.${index}`, `messages: roles must alternate between "user" and "assistant", but found multiple "${message.role}" roles in a row`);
    }
    const isFinalAssistant = k === turns.length - 1 && message.role === 'assistant';
    if (!isFinalAssistant && (message.content === '' || (Array.isArray(message.content) && message.content.length === 0))) {
      add(`messages.${index}`, `messages.${index}: all messages must have non-empty content except for the optional final assistant message`);
    }
    if (message.role === 'assistant') {
      const next = turns[k + 1];
      const answered = new Set(next ? toolResultIds(next.message.content).map((r) => r.id) : []);
      const unanswered = toolUseIds(message.content).filter((id) => !answered.has(id));
      if (next && unanswered.length > 0) {
        add(
          `messages.${index}`,
          `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    }
    if (message.role === 'user') {
      const asked = new Set(previous?.message.role === 'assistant' ? toolUseIds(previous.message.content) : []);
      for (const result of toolResultIds(message.content)) {
        if (asked.has(result.id)) continue;
        add(
          `messages.${index}.content.${result.position}`,
          `messages.${index}.content.${result.position}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${result.id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
        );
      }
    }
  });
  return found;
}

function contextWindowViolations(body: Record<string, any>, rules: BodyRules): Violation[] {
  if (!rules.enforceContextWindow) return [];
  const window = rules.model.longContextBeta && betasOf(body).includes('context-1m-2025-08-07') ? longContextWindow : rules.model.contextWindow;
  const tokens = countEmulatedTokens(body);
  if (tokens <= window) return [];
  const message = 'Input is too long for requested model.';
  return [{ rule: 'context-window', subject: `${tokens} > ${window}`, detail: message, message }];
}

function maxTokensViolations(body: Record<string, any>, model: CatalogModel): Violation[] {
  if (!Number.isInteger(body.max_tokens) || body.max_tokens <= maxOutputTokens) return [];
  return [
    modelError(
      'max-tokens',
      'max_tokens',
      `max_tokens: ${body.max_tokens} > ${maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.anthropicName}`,
    ),
  ];
}

function toolUseIds(content: unknown): string[] {
  return asArray(content).flatMap((block) => (isRecord(block) && block.type === 'tool_use' ? [String(block.id)] : []));
}

function toolResultIds(content: unknown): { id: string; position: number }[] {
  return asArray(content).flatMap((block, position) =>
    isRecord(block) && block.type === 'tool_result' ? [{ id: String(block.tool_use_id), position }] : [],
  );
}

function betasOf(body: Record<string, any>): string[] {
  return asArray(body.anthropic_beta).filter((beta): beta is string => typeof beta === 'string');
}

function modelError(rule: ViolationRule, subject: string, detail: string): Violation {
  return { rule, subject, detail, message: modelErrorPrefix + detail };
}

function malformed(detail: string): string {
  return `Malformed input request: ${detail}, please reformat your input and try again.`;
}

/** everit's names for JSON types, as they appear in Bedrock's schema messages. */
function jsonTypeName(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'BigDecimal';
  return 'JSONObject';
}
