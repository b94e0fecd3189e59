/**
 * What the emulated model does when a test gives no script: it obeys [[directives]] written in
 * the last user message, so end-to-end tests (Claude Code, the Anthropic SDK through the
 * gateway) can steer it through the prompt alone. docs/emulator.md lists them.
 */
import { createHash } from 'node:crypto';
import { asArray, isRecord } from './json-shape.js';
import type { Script, ScriptBlock } from './script.js';

export const greeting = 'Hello from the Bedrock emulator! Write [[directives]] in your prompt to script my answers.';
const toolResultPreviewLength = 200;
const maxLongChunks = 100_000;
const midStreamErrorAfterEvents = 4;
const fillerWords = 'the emulator keeps writing so that long streams can be measured end to end'.split(' ');

const errorDirectives: Record<string, Extract<Script, { kind: 'error' }>> = {
  throttle: { kind: 'error', exception: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' },
  overloaded: { kind: 'error', exception: 'ServiceUnavailableException', message: 'Bedrock is unable to process your request.' },
  'error-500': {
    kind: 'error',
    exception: 'InternalServerException',
    message: 'The system encountered an unexpected error during processing. Try your request again.',
  },
  'too-long': { kind: 'error', exception: 'ValidationException', message: 'Input is too long for requested model.' },
};

export function defaultScript(body: unknown): Script {
  const message = lastUserMessage(body);
  const prompt = textOf(message?.content);
  if (prompt.includes('[[hang]]')) return { kind: 'hang' };
  for (const [name, script] of Object.entries(errorDirectives)) {
    if (prompt.includes(`[[${name}]]`)) return script;
  }
  const slow = /\[\[slow:(\d+)\]\]/.exec(prompt);
  const timing = slow ? { chunkDelayMs: Number(slow[1]) } : {};
  const failure = prompt.includes('[[mid-stream-error]]')
    ? { failAfterEvents: { events: midStreamErrorAfterEvents, exception: 'modelStreamErrorException' as const, message: 'The model stream failed.' } }
    : {};

  const toolResult = firstToolResult(message?.content);
  if (toolResult !== undefined) {
    return { kind: 'message', blocks: [text(`Tool result received: ${toolResult.slice(0, toolResultPreviewLength)}`)], stopReason: 'end_turn', ...timing, ...failure };
  }

  const blocks: ScriptBlock[] = [];
  if (prompt.includes('[[think]]')) {
    const thinking = 'The prompt asks for a scripted answer. I will follow its directives and keep the reply short.';
    blocks.push({ type: 'thinking', thinking, signature: thinkingSignature(thinking) });
  }
  const tools = toolDirectives(prompt, offeredTools(body));
  const long = /\[\[long:(\d+)\]\]/.exec(prompt);
  if (tools.length > 0) {
    const usable = tools.filter((t): t is Extract<ScriptBlock, { type: 'tool_use' }> => t.type === 'tool_use');
    if (usable.length > 0) blocks.push(text(`I'll use ${usable.map((t) => t.name).join(', ')}.`));
    blocks.push(...tools);
  } else if (long) {
    const chunks = longChunks(Math.min(Number(long[1]), maxLongChunks));
    blocks.push({ type: 'text', text: chunks.join(''), chunks });
  } else {
    blocks.push(text(greeting));
  }
  return { kind: 'message', blocks, ...timing, ...failure };
}

/** A base64 signature, as Claude signs thinking; the emulator does not check them on the way back. */
function thinkingSignature(thinking: string): string {
  return Buffer.concat([Buffer.from('ccag-emulator-thinking\0'), createHash('sha256').update(thinking).digest()]).toString('base64');
}

/**
 * [[tool:NAME {json}]] → tool_use NAME with that input. Like a real model, it calls only tools
 * the request offers; a tool it cannot call, or bad JSON, becomes a text block saying so.
 */
function toolDirectives(prompt: string, offered: Set<string>): ScriptBlock[] {
  return [...prompt.matchAll(/\[\[tool:([A-Za-z0-9_-]+)(?:\s+(\{.*?\}))?\]\]/gs)].map(([, name, json]) => {
    if (!offered.has(name!)) return text(`The emulator cannot call ${name}: the request offers no tool of that name.`);
    if (json === undefined) return { type: 'tool_use', name: name!, input: {} };
    try {
      const input = JSON.parse(json);
      if (!isRecord(input)) throw new Error('the input must be a JSON object');
      return { type: 'tool_use', name: name!, input };
    } catch (err) {
      return text(`The emulator could not parse the input of [[tool:${name}]]: ${(err as Error).message}`);
    }
  });
}

function offeredTools(body: unknown): Set<string> {
  const tools = isRecord(body) ? asArray(body.tools) : [];
  return new Set(tools.flatMap((tool) => (isRecord(tool) && typeof tool.name === 'string' ? [tool.name] : [])));
}

function longChunks(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${i === 0 ? '' : ' '}${fillerWords[i % fillerWords.length]}`);
}

function lastUserMessage(body: unknown): Record<string, any> | undefined {
  const messages = isRecord(body) ? asArray(body.messages) : [];
  return messages.filter((m): m is Record<string, any> => isRecord(m) && m.role === 'user').pop();
}

/** All the text a user message carries: its text blocks and its tool results. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((block) => {
      if (!isRecord(block)) return '';
      if (block.type === 'text') return String(block.text ?? '');
      if (block.type === 'tool_result') return textOf(block.content);
      return '';
    })
    .join('\n');
}

function firstToolResult(content: unknown): string | undefined {
  const result = asArray(content).find((block) => isRecord(block) && block.type === 'tool_result');
  return isRecord(result) ? textOf(result.content) : undefined;
}

function text(value: string): ScriptBlock {
  return { type: 'text', text: value };
}
