import { invalidRequest } from '../../api/errors.js';
import type { ModelInfo } from '../models/catalog.js';
import type { ResolvedModel } from '../models/resolve.js';
import { bedrockBetaName, computerUseBeta, longContextBeta, requestedBetas, toolSearchBeta } from './betas.js';
import type { CapabilityTable } from './capabilities.js';

export interface BedrockRequest {
  modelId: string;
  body: Record<string, unknown>;
  /** What was removed or rewritten, for the debug log. */
  changes: string[];
}

type Json = Record<string, any>;

const bedrockAnthropicVersion = 'bedrock-2023-05-31';
/** context_management edits Bedrock accepts. */
const bedrockContextEdits = new Set(['compact_20260112']);
/** Tool versions Bedrock retired, and what replaces them. */
const retiredTools: Record<string, { type: string; name?: string; beta?: string }> = {
  bash_20241022: { type: 'bash_20250124' },
  text_editor_20241022: { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
  computer_20241022: { type: 'computer_20250124', beta: computerUseBeta },
};
const serverToolPattern = /^(web_search|web_fetch|code_execution)_\d+$/;
const thinkingBudgetByEffort: Record<string, number> = { low: 2_048, medium: 8_192, high: 16_384, xhigh: 32_000, max: 64_000 };
const minThinkingBudget = 1_024;
const maxCacheBreakpoints = 4;

/**
 * Anthropic Messages request → InvokeModel body for the resolved model: `model`/`stream`
 * removed, `anthropic_version` added, betas moved into the body and filtered, and whatever
 * the model or Bedrock does not take translated or dropped (never passed through to fail).
 */
export function translateRequest(
  request: Json,
  betaHeader: string | string[] | undefined,
  model: ResolvedModel,
  capabilities: CapabilityTable,
  endpoint: string,
): BedrockRequest {
  const changes: string[] = [];
  const info = model.info;
  const modelKey = info?.id ?? model.bedrockModelId;
  const body: Json = {};
  for (const [key, value] of Object.entries(request)) {
    if (key === 'model' || key === 'stream' || key === 'anthropic_beta' || key === 'anthropic_version') continue;
    if (key === 'cache_control') continue; // translated below
    if (capabilities.fieldAllowed(endpoint, modelKey, key)) body[key] = value;
    else changes.push(`dropped field ${key}`);
  }
  body.anthropic_version = bedrockAnthropicVersion;

  const betas = new Set(requestedBetas(betaHeader, request.anthropic_beta).map(bedrockBetaName));
  if (model.longContext && info?.longContextBeta !== false) betas.add(longContextBeta);

  if (Array.isArray(body.messages)) body.messages = translateMessages(body.messages, info, changes);
  if (Array.isArray(body.tools)) body.tools = translateTools(body.tools, betas, changes);
  if (body.tool_choice && typeof body.tool_choice === 'object') {
    const { type, name, disable_parallel_tool_use } = body.tool_choice as Json;
    body.tool_choice = dropUndefined({ type, name, disable_parallel_tool_use });
  }
  if (body.metadata && typeof body.metadata === 'object') {
    const userId = (body.metadata as Json).user_id;
    if (typeof userId === 'string') body.metadata = { user_id: userId };
    else delete body.metadata;
  }
  translateThinking(body, info, changes);
  translateOutputConfig(body, info, changes);
  translateContextManagement(body, betas, changes);
  translateCacheControl(body, request.cache_control, info, changes);

  const kept: string[] = [];
  for (const beta of betas) {
    if (capabilities.betaAllowed(endpoint, modelKey, beta)) kept.push(beta);
    else changes.push(`dropped beta ${beta}`);
  }
  if (!kept.includes(toolSearchBeta)) stripToolField(body, 'defer_loading', changes);
  for (const tool of (body.tools as Json[] | undefined) ?? []) {
    for (const field of Object.keys(tool)) {
      if (!capabilities.toolFieldAllowed(endpoint, modelKey, field)) stripToolField(body, field, changes);
    }
  }
  if (kept.length) body.anthropic_beta = kept;
  return { modelId: model.bedrockModelId, body, changes };
}

function dropUndefined(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * `role:"system"` messages go to models that take them; for the others their text joins
 * the neighbouring user turn, so the instructions still reach the model.
 */
function translateMessages(messages: Json[], info: ModelInfo | undefined, changes: string[]): Json[] {
  for (const m of messages) rejectUrlSources(m.content);
  if (!info || info.systemMessages || !messages.some((m) => m?.role === 'system')) return messages;
  const out: Json[] = [];
  const pending: Json[] = [];
  for (const m of messages) {
    if (m?.role === 'system') {
      const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as Json[]).filter((b) => b?.type === 'text');
      const previous = out[out.length - 1];
      if (previous?.role === 'user') previous.content = [...asBlocks(previous.content), ...blocks];
      else pending.push(...blocks);
      continue;
    }
    if (m?.role === 'user' && pending.length) {
      out.push({ ...m, content: [...pending.splice(0), ...asBlocks(m.content)] });
      continue;
    }
    // A copy: a later system message may extend this turn, and the client's object stays as sent.
    out.push({ ...m });
  }
  if (pending.length) out.push({ role: 'user', content: pending });
  changes.push('moved system messages into user turns');
  return out;
}

function asBlocks(content: unknown): Json[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : [...((content as Json[]) ?? [])];
}

function rejectUrlSources(content: unknown): void {
  if (!Array.isArray(content)) return;
  for (const block of content as Json[]) {
    if ((block?.type === 'image' || block?.type === 'document') && block.source?.type === 'url') {
      throw invalidRequest(`${block.type} blocks with a URL source are not supported on Amazon Bedrock; send the ${block.type} as base64`);
    }
    if (block?.type === 'tool_result') rejectUrlSources(block.content);
  }
}

function translateTools(tools: Json[], betas: Set<string>, changes: string[]): Json[] {
  return tools.map((tool) => {
    const type = typeof tool?.type === 'string' ? tool.type : undefined;
    if (type && serverToolPattern.test(type)) {
      throw invalidRequest(`the server tool ${type} is not available through this gateway's Amazon Bedrock upstream`);
    }
    const replacement = type ? retiredTools[type] : undefined;
    if (!replacement) return tool;
    changes.push(`rewrote tool ${type} to ${replacement.type}`);
    if (replacement.beta) betas.add(replacement.beta);
    return { ...tool, type: replacement.type, ...(replacement.name ? { name: replacement.name } : {}) };
  });
}

function stripToolField(body: Json, field: string, changes: string[]): void {
  if (!Array.isArray(body.tools) || !body.tools.some((t: Json) => t && field in t)) return;
  body.tools = (body.tools as Json[]).map(({ [field]: _dropped, ...rest }) => rest);
  changes.push(`dropped tools.*.${field}`);
}

/** Adaptive thinking ↔ thinking with a budget, for models that take only one of them. */
function translateThinking(body: Json, info: ModelInfo | undefined, changes: string[]): void {
  const thinking = body.thinking as Json | undefined;
  if (!thinking || typeof thinking !== 'object' || !info) return;
  if (info.thinking === 'none') {
    delete body.thinking;
    changes.push('dropped thinking (the model has none)');
  } else if (thinking.type === 'adaptive' && info.thinking === 'enabled') {
    const maxTokens = Number(body.max_tokens) || 0;
    const effort = (body.output_config as Json | undefined)?.effort as string | undefined;
    const budget = Math.min(thinkingBudgetByEffort[effort ?? 'medium'] ?? thinkingBudgetByEffort.medium!, maxTokens - 1);
    if (budget < minThinkingBudget) {
      delete body.thinking;
      changes.push('dropped adaptive thinking (max_tokens too small for a thinking budget)');
    } else {
      body.thinking = { type: 'enabled', budget_tokens: budget };
      changes.push(`adaptive thinking → enabled with budget ${budget}`);
    }
  } else if (thinking.type === 'enabled' && info.thinking === 'adaptive') {
    body.thinking = dropUndefined({ type: 'adaptive', display: thinking.display });
    changes.push('enabled thinking → adaptive');
  } else if (info.thinking === 'enabled' && 'display' in thinking) {
    const { display: _display, ...rest } = thinking;
    body.thinking = rest;
    changes.push('dropped thinking.display');
  }
}

function translateOutputConfig(body: Json, info: ModelInfo | undefined, changes: string[]): void {
  const config = body.output_config as Json | undefined;
  if (!config || typeof config !== 'object' || !info || info.effort || !('effort' in config)) return;
  const { effort: _effort, ...rest } = config;
  if (Object.keys(rest).length) body.output_config = rest;
  else delete body.output_config;
  changes.push('dropped output_config.effort');
}

/** Bedrock takes only some context_management edits (Claude Code's clear_thinking is refused). */
function translateContextManagement(body: Json, betas: Set<string>, changes: string[]): void {
  const cm = body.context_management as Json | undefined;
  if (!cm || typeof cm !== 'object') return;
  const edits = Array.isArray(cm.edits) ? cm.edits.filter((e: Json) => bedrockContextEdits.has(e?.type)) : [];
  if (edits.length && edits.length === cm.edits.length) return;
  if (edits.length) body.context_management = { ...cm, edits };
  else delete body.context_management;
  changes.push('dropped context_management edits Bedrock refuses');
  if (!edits.length && !betas.has('compact-2026-01-12')) betas.delete('context-management-2025-06-27');
}

/**
 * cache_control as Bedrock takes it: no `scope`, `ttl` only where supported; a top-level
 * (automatic) cache_control becomes a breakpoint on the last block, with its ttl, while the
 * request has fewer than four of its own.
 */
function translateCacheControl(body: Json, automatic: unknown, info: ModelInfo | undefined, changes: string[]): void {
  let breakpoints = 0;
  const visit = (block: Json) => {
    if (!block || typeof block !== 'object' || !block.cache_control) return;
    const { scope, ttl, ...rest } = block.cache_control as Json;
    const keepTtl = ttl !== undefined && info?.cacheTtl !== false;
    if (scope !== undefined || (ttl !== undefined && !keepTtl)) changes.push('sanitised cache_control');
    block.cache_control = keepTtl ? { ...rest, ttl } : rest;
    breakpoints++;
  };
  const systemBlocks = Array.isArray(body.system) ? (body.system as Json[]) : [];
  const messageBlocks = ((body.messages as Json[] | undefined) ?? []).flatMap((m) => (Array.isArray(m?.content) ? (m.content as Json[]) : []));
  const blocks = [...((body.tools as Json[] | undefined) ?? []), ...systemBlocks, ...messageBlocks];
  if (blocks.some((b) => b?.cache_control)) {
    // Copy-on-write: the client's objects may be shared.
    if (Array.isArray(body.tools)) body.tools = (body.tools as Json[]).map((t) => ({ ...t }));
    if (Array.isArray(body.system)) body.system = systemBlocks.map((b) => ({ ...b }));
    if (Array.isArray(body.messages)) {
      body.messages = (body.messages as Json[]).map((m) => (Array.isArray(m?.content) ? { ...m, content: (m.content as Json[]).map((b) => ({ ...b })) } : m));
    }
    for (const b of [...((body.tools as Json[] | undefined) ?? []), ...((body.system as Json[] | undefined) ?? [])]) visit(b);
    for (const m of (body.messages as Json[] | undefined) ?? []) if (Array.isArray(m?.content)) for (const b of m.content) visit(b);
  }
  if (automatic && typeof automatic === 'object' && breakpoints < maxCacheBreakpoints) {
    const messages = body.messages as Json[] | undefined;
    const last = messages?.[messages.length - 1];
    if (last) {
      const content = asBlocks(last.content);
      const tail = content[content.length - 1];
      if (tail) {
        const { ttl } = automatic as Json;
        content[content.length - 1] = { ...tail, cache_control: ttl !== undefined && info?.cacheTtl !== false ? { type: 'ephemeral', ttl } : { type: 'ephemeral' } };
        messages![messages!.length - 1] = { ...last, content };
        changes.push('automatic cache_control → breakpoint on the last block');
      }
    }
  }
}
