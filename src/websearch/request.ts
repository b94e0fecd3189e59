import { randomBase62 } from '../auth/random-token.js';
import type { Source } from './citations.js';

type Json = Record<string, any>;

/** The web search server tool in any version (`web_search_20250305`, `web_search_20260209`…). */
const webSearchType = /^web_search_\d{8}$/;

/** What the client asked of web search: the options of its server tool. */
export interface WebSearchOptions {
  /** The tool's name (Claude Code: "web_search"); the model calls its client stand-in by it. */
  name: string;
  maxUses: number;
  allowedDomains?: string[];
  blockedDomains?: string[];
  userLocation?: { city?: string; region?: string; country?: string; timezone?: string };
}

/** Anthropic lets a turn search this many times when the tool sets no max_uses. */
const defaultMaxUses = 10;

/** The web search server tool of a request, if it has one. */
export function webSearchOptions(body: Json): WebSearchOptions | undefined {
  const tool = (Array.isArray(body.tools) ? body.tools : []).find((t: Json) => typeof t?.type === 'string' && webSearchType.test(t.type));
  if (!tool) return undefined;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((d): d is string => typeof d === 'string') : undefined);
  return {
    name: typeof tool.name === 'string' ? tool.name : 'web_search',
    maxUses: Number.isInteger(tool.max_uses) && tool.max_uses > 0 ? tool.max_uses : defaultMaxUses,
    allowedDomains: strings(tool.allowed_domains),
    blockedDomains: strings(tool.blocked_domains),
    userLocation: tool.user_location && typeof tool.user_location === 'object' ? tool.user_location : undefined,
  };
}

/** What the model is told of the tool, and how to cite (citations.ts turns the tags into citations). */
const toolDescription =
  'Search the web for current information. Returns the most relevant pages with their title, URL and an extract, ' +
  'numbered [1], [2]… across all the searches of the conversation. ' +
  'Use it for anything that may have changed recently or that you are not sure of. ' +
  'Cite the pages you use: wrap each claim that rests on a page in a cite tag with the page number, ' +
  '<cite n="2">the claim</cite>, or <cite n="1,3">the claim</cite> when several pages support it. ' +
  'Write the tag exactly like this, do not nest tags, and cite only pages you have read.';

/**
 * The request as Bedrock can take it: the server tool replaced by a client tool of the same
 * name that the gateway answers, and earlier searches in the history turned into that tool's
 * calls and results (their pages added to `sources`, the turn's numbered list of pages).
 */
export function withClientSearchTool(body: Json, o: WebSearchOptions, sources: Source[] = []): Json {
  const tools = (body.tools as Json[]).map((t) =>
    typeof t?.type === 'string' && webSearchType.test(t.type)
      ? {
          name: o.name,
          description: toolDescription,
          input_schema: { type: 'object', properties: { query: { type: 'string', description: 'The search query' } }, required: ['query'] },
          ...(t.cache_control ? { cache_control: t.cache_control } : {}),
        }
      : t,
  );
  return { ...body, tools, messages: withSearchHistory(body.messages, sources) };
}

/** Whether a conversation carries earlier server-side searches (which Bedrock would refuse). */
export function hasSearchHistory(messages: unknown): boolean {
  return Array.isArray(messages) && messages.some((m: Json) => Array.isArray(m?.content) && m.content.some((b: Json) => b?.type === 'server_tool_use' || b?.type === 'web_search_tool_result'));
}

/**
 * Earlier searches in a conversation, as client tool calls and results: `server_tool_use` →
 * `tool_use`, and each `web_search_tool_result` → a `tool_result` in a user turn right after
 * the assistant turn (where Bedrock wants results), with the pages as text, numbered on from
 * the pages already in `sources`.
 */
export function withSearchHistory(messages: Json[], sources: Source[] = []): Json[] {
  if (!hasSearchHistory(messages)) return messages;
  const out: Json[] = [];
  for (const message of messages) {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) {
      out.push(message);
      continue;
    }
    // An assistant turn with searches splits at each result: calls stay, results go to a user turn.
    let assistant: Json[] = [];
    for (const block of message.content as Json[]) {
      if (block?.type === 'server_tool_use') assistant.push({ type: 'tool_use', id: block.id, name: block.name ?? 'web_search', input: block.input ?? {} });
      else if (block?.type === 'web_search_tool_result') {
        out.push({ role: 'assistant', content: assistant });
        out.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: block.tool_use_id, content: resultText(block.content, sources) }] });
        assistant = [];
      } else assistant.push(stripCitations(block));
    }
    if (assistant.length) out.push({ role: 'assistant', content: assistant });
  }
  return mergeUserTurns(out);
}

/** Text blocks keep their words (a cited claim stays as plain text); citations of search results mean nothing to Bedrock. */
function stripCitations(block: Json): Json {
  if (block?.type !== 'text' || !block.citations) return block;
  const { citations: _citations, ...rest } = block;
  return rest;
}

/**
 * A result block's pages (or its error) as the text the model reads. The pages are added to
 * `sources` and numbered by their place in it: one numbering for the whole conversation, so
 * the n of a `<cite n>` names one page.
 */
export function resultText(content: unknown, sources: Source[]): string {
  if (!Array.isArray(content)) {
    const code = (content as Json)?.error_code ?? 'unavailable';
    return `The search failed: ${code}.`;
  }
  if (content.length === 0) return 'No results.';
  return content
    .map((r: Json) => {
      const source = { url: String(r.url ?? ''), title: String(r.title ?? ''), extract: decodeExtract(r.encrypted_content) ?? '' };
      sources.push(source);
      return `[${sources.length}] ${source.title}\nURL: ${source.url}${r.page_age ? `\nAge: ${r.page_age}` : ''}${source.extract ? `\n${source.extract}` : ''}`;
    })
    .join('\n\n');
}

/** A user turn directly after another (a tool result before the client's next message) becomes one. */
function mergeUserTurns(messages: Json[]): Json[] {
  const out: Json[] = [];
  for (const m of messages) {
    const last = out[out.length - 1];
    if (last && last.role === 'user' && m.role === 'user') {
      const asBlocks = (c: unknown) => (Array.isArray(c) ? c : [{ type: 'text', text: String(c) }]);
      out[out.length - 1] = { role: 'user', content: [...asBlocks(last.content), ...asBlocks(m.content)] };
    } else if (!(m.role === 'assistant' && Array.isArray(m.content) && m.content.length === 0)) out.push(m);
  }
  return out;
}

/**
 * `encrypted_content` of a result: opaque to clients (as Anthropic's), it carries the extract
 * the model read, so a later turn can show the model the same page again.
 */
export function encodeExtract(snippet: string): string {
  return Buffer.from(JSON.stringify({ v: 1, extract: snippet })).toString('base64url');
}

function decodeExtract(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { extract?: unknown };
    return typeof parsed.extract === 'string' ? parsed.extract : undefined;
  } catch {
    return undefined;
  }
}

/** An id like Anthropic's server tool ids. */
export function serverToolUseId(): string {
  return `srvtoolu_${randomBase62(18)}`;
}
