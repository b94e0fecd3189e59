import type { ResponseStream } from '@aws-sdk/client-bedrock-runtime';
import { mapUpstreamError } from './bedrock/errors.js';
import type { SseWriter } from './anthropic/sse.js';
import { completeUsage, emptyUsage, toUsage, type Usage } from './usage.js';

/** What the relay saw of a stream, for accounting. */
export interface StreamOutcome {
  usage: Usage;
  stopReason: string | null;
  toolNames: string[];
  /** Milliseconds from the start until the first content event was written. */
  ttftMs: number | null;
  /** The mapped error type when the stream failed midway. */
  errorType: string | null;
  /** Characters of content streamed (for estimating output tokens of an abandoned stream). */
  streamedChars: number;
  sawMessageStop: boolean;
}

const typeSniff = /^\{\s*"type"\s*:\s*"([a-z_]+)"/;
const decoder = new TextDecoder();

/**
 * Relays Bedrock's stream to the client as Anthropic SSE, event by event as it arrives.
 * Only message_start (model echo, complete usage), message_delta (usage) and message_stop
 * (Bedrock's metrics stripped) are parsed; every other event passes through as Bedrock's
 * own JSON text.
 */
export async function relayStream(
  stream: AsyncIterable<ResponseStream>,
  sse: SseWriter,
  requestedModel: string,
  startedAt: number,
): Promise<StreamOutcome> {
  const outcome: StreamOutcome = { usage: emptyUsage(), stopReason: null, toolNames: [], ttftMs: null, errorType: null, streamedChars: 0, sawMessageStop: false };
  try {
    for await (const event of stream) {
      const bytes = event.chunk?.bytes;
      if (!bytes) continue;
      const text = decoder.decode(bytes);
      const type = typeSniff.exec(text)?.[1] ?? (JSON.parse(text) as { type?: string }).type;
      if (!type) continue;
      switch (type) {
        case 'message_start': {
          const json = JSON.parse(text);
          json.message.model = requestedModel;
          json.message.usage = completeUsage(json.message.usage);
          outcome.usage = toUsage(json.message.usage);
          await sse.event(type, JSON.stringify(json));
          break;
        }
        case 'message_delta': {
          const json = JSON.parse(text);
          outcome.stopReason = json.delta?.stop_reason ?? outcome.stopReason;
          // message_delta usage is cumulative: the last one is the total.
          if (json.usage) outcome.usage = toUsage({ ...outcome.usage, ...json.usage });
          await sse.event(type, text);
          break;
        }
        case 'message_stop': {
          outcome.sawMessageStop = true;
          await sse.event(type, '{"type":"message_stop"}');
          break;
        }
        case 'error': {
          const json = JSON.parse(text);
          outcome.errorType = json.error?.type ?? 'api_error';
          await sse.event('error', text);
          return outcome;
        }
        default: {
          if (outcome.ttftMs === null && type.startsWith('content_block')) outcome.ttftMs = Date.now() - startedAt;
          if (type === 'content_block_start' && text.includes('"tool_use"')) {
            const name = JSON.parse(text).content_block?.name;
            if (typeof name === 'string') outcome.toolNames.push(name);
          } else if (type === 'content_block_delta') {
            outcome.streamedChars += text.length - 60;
          }
          await sse.event(type, text);
        }
      }
      if (sse.closed) break;
    }
  } catch (err) {
    if (sse.closed) return outcome;
    const error = mapUpstreamError(err);
    outcome.errorType = error.type;
    await sse.event('error', JSON.stringify({ type: 'error', error: { type: error.type, message: error.message } }));
  }
  return outcome;
}
