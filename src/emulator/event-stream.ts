/**
 * The binary event-stream frames of InvokeModelWithResponseStream (protocols.md 2.3), encoded
 * with the same codec the AWS SDK decodes with.
 */
import { randomInt } from 'node:crypto';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { StreamExceptionName } from './exceptions.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const paddingAlphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function header(value: string) {
  return { type: 'string' as const, value };
}

/** One Anthropic stream event as a `chunk` frame: {"bytes": base64(event JSON), "p": padding}. */
export function chunkFrame(event: object): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(event), 'utf8').toString('base64');
  return codec.encode({
    headers: { ':event-type': header('chunk'), ':content-type': header('application/json'), ':message-type': header('event') },
    body: fromUtf8(JSON.stringify({ bytes, p: padding() })),
  });
}

/** An exception member of the ResponseStream union, sent after the stream has started. */
export function exceptionFrame(name: StreamExceptionName, payload: { message: string; originalStatusCode?: number; originalMessage?: string }): Uint8Array {
  return codec.encode({
    headers: { ':message-type': header('exception'), ':exception-type': header(name), ':content-type': header('application/json') },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** Bedrock pads each chunk with a random-length run of [a-zA-Z0-9] to hide token lengths (AWSJS-6919). */
function padding(): string {
  return paddingAlphabet.slice(0, randomInt(1, paddingAlphabet.length + 1));
}
