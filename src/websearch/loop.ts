import type { ResponseStream } from '@aws-sdk/client-bedrock-runtime';
import type { SseWriter } from '../gateway/anthropic/sse.js';
import { mapUpstreamError } from '../gateway/bedrock/errors.js';
import { completeUsage, emptyUsage, toUsage, type Usage } from '../gateway/usage.js';
import { CitedText, citedBlocks, type BlockEvent, type Source } from './citations.js';
import { SearchError, type SearchProvider } from './provider.js';
import { encodeExtract, resultText, serverToolUseId, withClientSearchTool, type WebSearchOptions } from './request.js';

type Json = Record<string, any>;

/** What one search turn needs from the pipeline: calls to Bedrock (routed, translated) and a provider. */
export interface SearchTurnDeps {
  invoke(body: Json): Promise<Json>;
  invokeStream(body: Json): Promise<AsyncIterable<ResponseStream>>;
  provider: SearchProvider;
  signal: AbortSignal | undefined;
}

export interface SearchTurnOutcome {
  usage: Usage;
  searches: number;
  stopReason: string | null;
  toolNames: string[];
  errorType: string | null;
}

// Past max_uses the model is told so; a model that keeps asking ends the turn as pause_turn.
const extraRounds = 2;
const decoder = new TextDecoder();

/** One search as the client sees it (results or an error code) and as the model reads it. */
async function search(input: Json, o: WebSearchOptions, used: number, deps: SearchTurnDeps): Promise<{ content: Json | Json[]; performed: boolean }> {
  if (used >= o.maxUses) return { content: { type: 'web_search_tool_result_error', error_code: 'max_uses_exceeded' }, performed: false };
  const query = typeof input?.query === 'string' ? input.query.trim() : '';
  if (!query) return { content: { type: 'web_search_tool_result_error', error_code: 'invalid_tool_input' }, performed: false };
  try {
    const results = await deps.provider.search(
      { query, allowedDomains: o.allowedDomains, blockedDomains: o.blockedDomains, userLocation: o.userLocation },
      deps.signal,
    );
    return {
      content: results.map((r) => ({ type: 'web_search_result', url: r.url, title: r.title, encrypted_content: encodeExtract(r.snippet), page_age: r.pageAge })),
      performed: true,
    };
  } catch (err) {
    const code = err instanceof SearchError ? err.code : 'unavailable';
    return { content: { type: 'web_search_tool_result_error', error_code: code }, performed: code !== 'query_too_long' && code !== 'invalid_tool_input' };
  }
}

function addUsage(total: Usage, part: Usage): Usage {
  return toUsage({
    input_tokens: total.input_tokens + part.input_tokens,
    output_tokens: total.output_tokens + part.output_tokens,
    cache_read_input_tokens: total.cache_read_input_tokens + part.cache_read_input_tokens,
    cache_creation_input_tokens: total.cache_creation_input_tokens + part.cache_creation_input_tokens,
    cache_creation: {
      ephemeral_5m_input_tokens: total.cache_creation.ephemeral_5m_input_tokens + part.cache_creation.ephemeral_5m_input_tokens,
      ephemeral_1h_input_tokens: total.cache_creation.ephemeral_1h_input_tokens + part.cache_creation.ephemeral_1h_input_tokens,
    },
  });
}

/**
 * A web search turn, answered as one message: the model searches through the client stand-in
 * of the tool, the gateway runs each search and feeds the results back, until the model is
 * done. The client sees `server_tool_use` / `web_search_tool_result` pairs, the model's text
 * with its cited claims as text blocks with citations (citations.ts), and the usage of every round. If the model also calls client tools, the turn ends there for the client to run them.
 */
export async function searchTurnJson(body: Json, o: WebSearchOptions, deps: SearchTurnDeps): Promise<{ message: Json; outcome: SearchTurnOutcome }> {
  const sources: Source[] = [];
  let request = withClientSearchTool(body, o, sources);
  const content: Json[] = [];
  let usage = emptyUsage();
  let searches = 0;
  let first: Json | undefined;
  let stopReason: string | null = 'pause_turn';
  for (let round = 0; round < o.maxUses + extraRounds; round++) {
    const message = await deps.invoke(request);
    first ??= message;
    usage = addUsage(usage, toUsage(completeUsage(message.usage)));
    const blocks = (message.content as Json[] | undefined) ?? [];
    const results: Json[] = [];
    for (const block of blocks) {
      if (block.type === 'text') {
        content.push(...citedBlocks(String(block.text ?? ''), pageOf(sources)));
        continue;
      }
      if (block.type !== 'tool_use' || block.name !== o.name) {
        content.push(block);
        continue;
      }
      const id = serverToolUseId();
      const result = await search(block.input, o, searches, deps);
      if (result.performed) searches++;
      content.push({ type: 'server_tool_use', id, name: o.name, input: block.input }, { type: 'web_search_tool_result', tool_use_id: id, content: result.content });
      results.push({ type: 'tool_result', tool_use_id: block.id, content: resultText(result.content, sources) });
    }
    const clientTools = blocks.some((b) => b.type === 'tool_use' && b.name !== o.name);
    if (results.length === 0 || clientTools || message.stop_reason !== 'tool_use') {
      stopReason = clientTools ? 'tool_use' : message.stop_reason;
      break;
    }
    request = { ...request, messages: [...request.messages, { role: 'assistant', content: blocks }, { role: 'user', content: results }] };
  }
  const message = {
    ...first,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { ...usage, server_tool_use: { web_search_requests: searches, web_fetch_requests: 0 } },
  };
  const toolNames = content.filter((b) => b.type === 'tool_use').map((b) => String(b.name));
  return { message, outcome: { usage, searches, stopReason, toolNames, errorType: null } };
}

/** The page a `<cite n>` names: the n-th of the turn's list. */
function pageOf(sources: Source[]): (n: number) => Source | undefined {
  return (n) => (n >= 1 ? sources[n - 1] : undefined);
}

/** A content block of a streamed round, rebuilt from its deltas (the next round sends it back). */
interface StreamedBlock {
  block: Json;
  json: string;
  /** The client's block; a text block instead becomes client blocks as its cite tags arrive. */
  clientIndex?: number;
  text?: CitedText;
  serverId?: string;
}

/**
 * The same turn streamed: the model's text and the search queries reach the client as Bedrock
 * produces them, each search's results as one block once the provider answers, and the
 * message_start / message_delta / message_stop frame the whole turn once.
 */
export async function searchTurnStream(
  body: Json,
  o: WebSearchOptions,
  deps: SearchTurnDeps,
  /** Opens the SSE response: called once the first round's stream is open, so earlier failures keep their HTTP status. */
  openSse: () => SseWriter,
  requestedModel: string,
): Promise<SearchTurnOutcome & { sse: SseWriter }> {
  const sources: Source[] = [];
  let request = withClientSearchTool(body, o, sources);
  let sse: SseWriter | undefined;
  const outcome: SearchTurnOutcome & { sse: SseWriter } = { usage: emptyUsage(), searches: 0, stopReason: 'pause_turn', toolNames: [], errorType: null, sse: undefined! };
  let nextIndex = 0;
  let started = false;
  // The client block the model's text is going to (Bedrock sends one block at a time).
  let textIndex = 0;
  const relayText = async (events: BlockEvent[]) => {
    for (const e of events) {
      if (e.type === 'start') {
        textIndex = nextIndex++;
        await sse!.event('content_block_start', JSON.stringify({ type: 'content_block_start', index: textIndex, content_block: e.block }));
      } else if (e.type === 'delta') await sse!.event('content_block_delta', JSON.stringify({ type: 'content_block_delta', index: textIndex, delta: e.delta }));
      else await sse!.event('content_block_stop', JSON.stringify({ type: 'content_block_stop', index: textIndex }));
    }
  };
  for (let round = 0; round < o.maxUses + extraRounds; round++) {
    const events = round === 0 ? await deps.invokeStream(request) : await deps.invokeStream(request).catch((err) => fail(sse!, err));
    if (!events) return outcome;
    if (!sse) outcome.sse = sse = openSse();
    const blocks = new Map<number, StreamedBlock>();
    let roundUsage = emptyUsage();
    let roundStop: string | null = null;
    for await (const event of events) {
      const bytes = event.chunk?.bytes;
      if (!bytes) continue;
      const json = JSON.parse(decoder.decode(bytes)) as Json;
      switch (json.type) {
        case 'message_start':
          roundUsage = toUsage(completeUsage(json.message.usage));
          if (!started) {
            started = true;
            json.message.model = requestedModel;
            json.message.usage = completeUsage(json.message.usage);
            await sse!.event('message_start', JSON.stringify(json));
          }
          break;
        case 'content_block_start': {
          const cb = json.content_block as Json;
          if (cb.type === 'text') {
            const text = new CitedText(pageOf(sources));
            blocks.set(json.index, { block: { ...cb }, json: '', text });
            if (cb.text) await relayText(text.push(String(cb.text)));
            break;
          }
          const entry: StreamedBlock = { block: { ...cb }, json: '', clientIndex: nextIndex++ };
          blocks.set(json.index, entry);
          let shown = cb;
          if (cb.type === 'tool_use' && cb.name === o.name) {
            entry.serverId = serverToolUseId();
            shown = { type: 'server_tool_use', id: entry.serverId, name: o.name, input: {} };
          } else if (cb.type === 'tool_use') outcome.toolNames.push(String(cb.name));
          await sse!.event('content_block_start', JSON.stringify({ type: 'content_block_start', index: entry.clientIndex, content_block: shown }));
          break;
        }
        case 'content_block_delta': {
          const entry = blocks.get(json.index);
          if (!entry) break;
          accumulate(entry, json.delta as Json);
          if (entry.text) await relayText(json.delta?.type === 'text_delta' ? entry.text.push(String(json.delta.text ?? '')) : []);
          else await sse!.event('content_block_delta', JSON.stringify({ ...json, index: entry.clientIndex }));
          break;
        }
        case 'content_block_stop': {
          const entry = blocks.get(json.index);
          if (!entry) break;
          if (entry.text) {
            await relayText(entry.text.end());
            break;
          }
          if (entry.block.type === 'tool_use') entry.block.input = parseInput(entry.json);
          await sse!.event('content_block_stop', JSON.stringify({ type: 'content_block_stop', index: entry.clientIndex }));
          break;
        }
        case 'message_delta':
          roundStop = json.delta?.stop_reason ?? roundStop;
          if (json.usage) roundUsage = toUsage({ ...roundUsage, ...json.usage });
          break;
        case 'error':
          outcome.errorType = json.error?.type ?? 'api_error';
          await sse!.event('error', JSON.stringify(json));
          return outcome;
        default:
          break;
      }
      if (sse!.closed) return outcome;
    }
    outcome.usage = addUsage(outcome.usage, roundUsage);
    // In the order Bedrock sent them (the model sees its own words, cite tags included).
    const ordered = [...blocks.values()];
    const results: Json[] = [];
    for (const entry of ordered.filter((e) => e.serverId)) {
      const result = await search(entry.block.input, o, outcome.searches, deps);
      if (result.performed) outcome.searches++;
      const block = { type: 'web_search_tool_result', tool_use_id: entry.serverId, content: result.content };
      await sse!.event('content_block_start', JSON.stringify({ type: 'content_block_start', index: nextIndex, content_block: block }));
      await sse!.event('content_block_stop', JSON.stringify({ type: 'content_block_stop', index: nextIndex++ }));
      results.push({ type: 'tool_result', tool_use_id: entry.block.id, content: resultText(result.content, sources) });
    }
    const clientTools = ordered.some((e) => e.block.type === 'tool_use' && !e.serverId);
    if (results.length === 0 || clientTools || roundStop !== 'tool_use') {
      outcome.stopReason = clientTools ? 'tool_use' : roundStop;
      break;
    }
    request = { ...request, messages: [...request.messages, { role: 'assistant', content: ordered.map((e) => e.block) }, { role: 'user', content: results }] };
  }
  // As Anthropic's final message_delta: the whole turn's usage, every round included.
  const u = outcome.usage;
  const usage = {
    input_tokens: u.input_tokens,
    cache_creation_input_tokens: u.cache_creation_input_tokens,
    cache_read_input_tokens: u.cache_read_input_tokens,
    output_tokens: u.output_tokens,
    server_tool_use: { web_search_requests: outcome.searches, web_fetch_requests: 0 },
  };
  await sse!.event('message_delta', JSON.stringify({ type: 'message_delta', delta: { stop_reason: outcome.stopReason, stop_sequence: null }, usage }));
  await sse!.event('message_stop', '{"type":"message_stop"}');
  return outcome;

  async function fail(writer: SseWriter, err: unknown): Promise<undefined> {
    const error = mapUpstreamError(err);
    outcome.errorType = error.type;
    await writer.event('error', JSON.stringify({ type: 'error', error: { type: error.type, message: error.message } }));
    return undefined;
  }
}

function accumulate(entry: StreamedBlock, delta: Json): void {
  const b = entry.block;
  if (delta.type === 'text_delta') b.text = (b.text ?? '') + delta.text;
  else if (delta.type === 'input_json_delta') entry.json += delta.partial_json ?? '';
  else if (delta.type === 'thinking_delta') b.thinking = (b.thinking ?? '') + delta.thinking;
  else if (delta.type === 'signature_delta') b.signature = delta.signature;
}

function parseInput(json: string): Json {
  if (!json) return {};
  try {
    return JSON.parse(json) as Json;
  } catch {
    return {};
  }
}
