/**
 * The emulated tokenizer: deterministic and content-aware (English text is cheap, CJK and
 * emoji are dear, images cost by size, tool schemas are dense) so a gateway's token estimator
 * has something with a real shape to calibrate against. Not Claude's real tokenizer.
 */
import { asArray, isRecord } from './json-shape.js';

const requestOverhead = 6;
const messageOverhead = 3;
const bytesPerImageToken = 750;
const minimumImageTokens = 85;
const toolSchemaBytesPerToken = 3.2;
/** The tool-use system prompt Claude 4 models add (Anthropic's pricing table: auto/none vs. any/tool). */
const toolPromptTokens = { auto: 346, forced: 313 } as const;

/** What usage.input_tokens and CountTokens report for an InvokeModel body. */
export function countEmulatedTokens(body: any): number {
  if (!isRecord(body)) return 0;
  let tokens = requestOverhead + countContent(body.system);
  for (const message of asArray(body.messages)) {
    tokens += messageOverhead + (isRecord(message) ? countContent(message.content) : 0);
  }
  const tools = asArray(body.tools);
  if (tools.length > 0) {
    const choice = isRecord(body.tool_choice) ? body.tool_choice.type : undefined;
    tokens += choice === 'any' || choice === 'tool' ? toolPromptTokens.forced : toolPromptTokens.auto;
    for (const tool of tools) tokens += Math.ceil(utf8Length(JSON.stringify(tool) ?? '') / toolSchemaBytesPerToken);
  }
  return tokens;
}

/** ASCII costs a quarter token per character; every other code point a whole one. */
export function countTextTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const ch of text) {
    if (ch.codePointAt(0)! < 0x80) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

function countContent(content: unknown): number {
  if (typeof content === 'string') return countTextTokens(content);
  return asArray(content).reduce<number>((sum, block) => sum + countBlock(block), 0);
}

function countBlock(block: unknown): number {
  if (!isRecord(block)) return 0;
  switch (block.type) {
    case 'text':
      return countTextTokens(String(block.text ?? ''));
    case 'image':
      return countImage(block.source);
    case 'document':
      return countDocument(block.source);
    case 'tool_use':
    case 'server_tool_use':
      return countTextTokens(String(block.name ?? '')) + countTextTokens(JSON.stringify(block.input ?? {}));
    case 'tool_result':
      return countContent(block.content);
    case 'thinking':
      return countTextTokens(String(block.thinking ?? ''));
    case 'redacted_thinking':
      return countTextTokens(String(block.data ?? ''));
    default:
      return countTextTokens(JSON.stringify(block));
  }
}

/**
 * Images cost by pixels, as Anthropic documents it (width × height / 750, after scaling down
 * to about 1.15 megapixels); a format it cannot read costs by size.
 */
function countImage(source: unknown): number {
  const data = isRecord(source) && typeof source.data === 'string' ? source.data : '';
  const png = pngDimensions(data);
  if (png) return Math.ceil(Math.min(png.width * png.height, maxImagePixels) / pixelsPerImageToken);
  return Math.max(minimumImageTokens, Math.ceil(base64DecodedLength(data) / bytesPerImageToken));
}

const pixelsPerImageToken = 750;
const maxImagePixels = 1_150_000;

/** Width and height from a PNG's IHDR chunk (bytes 16–23 of the file). */
function pngDimensions(base64: string): { width: number; height: number } | undefined {
  const head = Buffer.from(base64.slice(0, 32), 'base64');
  if (head.length < 24 || head.toString('latin1', 1, 4) !== 'PNG') return undefined;
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

function countDocument(source: unknown): number {
  if (!isRecord(source)) return 0;
  if (source.type === 'text') return countTextTokens(String(source.data ?? ''));
  if (source.type === 'content') return countContent(source.content);
  return Math.ceil(base64DecodedLength(typeof source.data === 'string' ? source.data : '') / bytesPerImageToken);
}

function base64DecodedLength(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
