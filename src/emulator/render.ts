/**
 * A message script rendered the way Bedrock answers for Claude: the Anthropic stream events
 * (compare test/fixtures/bedrock-invoke-stream-sonnet45-hi.decoded.jsonl) or the whole message.
 */
import { newMessageId, newToolUseId } from './ids.js';
import type { Script, ScriptBlock } from './script.js';
import { countTextTokens } from './tokens.js';

export type MessageScript = Extract<Script, { kind: 'message' }>;

export interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/** Everything about the answer that is fixed before the first event is written. */
export interface PlannedMessage {
  id: string;
  model: string;
  blocks: ScriptBlock[];
  stopReason: string;
  usage: Usage;
  /** "omitted" sends thinking blocks with their signature only. */
  thinkingDisplay: 'summarized' | 'omitted';
}

export interface Latency {
  invocationLatency: number;
  firstByteLatency: number;
}

export function planMessage(
  script: MessageScript,
  request: { model: string; inputTokens: number; thinkingDisplay: 'summarized' | 'omitted' },
): PlannedMessage {
  const blocks = script.blocks.map((block) => (block.type === 'tool_use' ? { ...block, id: block.id ?? newToolUseId() } : block));
  const last = blocks[blocks.length - 1];
  return {
    id: script.id ?? newMessageId(),
    model: script.model ?? request.model,
    blocks,
    stopReason: script.stopReason ?? (last?.type === 'tool_use' ? 'tool_use' : 'end_turn'),
    usage: {
      input_tokens: script.usage?.input_tokens ?? request.inputTokens,
      cache_creation_input_tokens: script.usage?.cache_creation_input_tokens ?? 0,
      cache_read_input_tokens: script.usage?.cache_read_input_tokens ?? 0,
      output_tokens: script.usage?.output_tokens ?? outputTokens(blocks),
    },
    thinkingDisplay: request.thinkingDisplay,
  };
}

/** The events before message_stop, whose metrics are known only once the others are written. */
export function streamEvents(plan: PlannedMessage): object[] {
  const events: object[] = [
    {
      type: 'message_start',
      message: {
        model: plan.model,
        id: plan.id,
        type: 'message',
        role: 'assistant',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...inputUsage(plan.usage), output_tokens: 1 },
      },
    },
  ];
  plan.blocks.forEach((block, index) => {
    events.push({ type: 'content_block_start', index, content_block: startingBlock(block) });
    for (const delta of blockDeltas(block, plan.thinkingDisplay)) events.push({ type: 'content_block_delta', index, delta });
    events.push({ type: 'content_block_stop', index });
  });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: plan.stopReason, stop_sequence: null },
    usage: { output_tokens: plan.usage.output_tokens },
  });
  return events;
}

export function messageStopEvent(plan: PlannedMessage, latency: Latency): object {
  const { usage } = plan;
  return {
    type: 'message_stop',
    'amazon-bedrock-invocationMetrics': {
      inputTokenCount: usage.input_tokens,
      outputTokenCount: usage.output_tokens,
      invocationLatency: latency.invocationLatency,
      firstByteLatency: latency.firstByteLatency,
      // Present only when prompt caching was involved (LC's captures).
      ...(usage.cache_read_input_tokens > 0 ? { cacheReadInputTokenCount: usage.cache_read_input_tokens } : {}),
      ...(usage.cache_creation_input_tokens > 0 ? { cacheWriteInputTokenCount: usage.cache_creation_input_tokens } : {}),
    },
  };
}

/** The non-streaming InvokeModel body: the whole Message, no invocation metrics. */
export function messageBody(plan: PlannedMessage): object {
  return {
    model: plan.model,
    id: plan.id,
    type: 'message',
    role: 'assistant',
    content: plan.blocks.map((block) => finishedBlock(block, plan.thinkingDisplay)),
    stop_reason: plan.stopReason,
    stop_sequence: null,
    usage: { ...inputUsage(plan.usage), output_tokens: plan.usage.output_tokens },
  };
}

function inputUsage(usage: Usage) {
  return {
    input_tokens: usage.input_tokens,
    cache_creation_input_tokens: usage.cache_creation_input_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens,
    cache_creation: { ephemeral_5m_input_tokens: usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 },
  };
}

function startingBlock(block: ScriptBlock): object {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: '' };
    case 'thinking':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: {} };
  }
}

function blockDeltas(block: ScriptBlock, thinkingDisplay: 'summarized' | 'omitted'): object[] {
  switch (block.type) {
    case 'text':
      return (block.chunks ?? splitWords(block.text)).map((text) => ({ type: 'text_delta', text }));
    case 'thinking': {
      const thinking = thinkingDisplay === 'omitted' ? [] : splitWords(block.thinking).map((t) => ({ type: 'thinking_delta', thinking: t }));
      return [...thinking, { type: 'signature_delta', signature: block.signature }];
    }
    case 'redacted_thinking':
      return [];
    case 'tool_use':
      // The first fragment is empty, as Claude sends it (protocols.md 1.4).
      return ['', ...splitEvery(JSON.stringify(block.input), 12)].map((partial_json) => ({ type: 'input_json_delta', partial_json }));
  }
}

function finishedBlock(block: ScriptBlock, thinkingDisplay: 'summarized' | 'omitted'): object {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'thinking':
      return { type: 'thinking', thinking: thinkingDisplay === 'omitted' ? '' : block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
  }
}

/** What the model generated, thinking included even when its display is omitted (it is billed). */
export function outputTokens(blocks: ScriptBlock[]): number {
  const generated = blocks.reduce((sum, block) => {
    switch (block.type) {
      case 'text':
        return sum + countTextTokens(block.text);
      case 'thinking':
        return sum + countTextTokens(block.thinking);
      case 'redacted_thinking':
        return sum + countTextTokens(block.data);
      case 'tool_use':
        return sum + countTextTokens(block.name) + countTextTokens(JSON.stringify(block.input));
    }
  }, 0);
  return Math.max(1, generated);
}

/** "Hello from the emulator" → ["Hello", " from", " the", " emulator"]: whitespace leads, like tokens. */
export function splitWords(text: string): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const trailing = text.slice(words.join('').length);
  if (words.length === 0) return trailing ? [trailing] : [];
  words[words.length - 1] += trailing;
  return words;
}

/** Fixed-size pieces by code point, so no emoji is cut in half. */
function splitEvery(text: string, size: number): string[] {
  const codePoints = [...text];
  const parts: string[] = [];
  for (let i = 0; i < codePoints.length; i += size) parts.push(codePoints.slice(i, i + size).join(''));
  return parts;
}
