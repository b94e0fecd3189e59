/**
 * Decodes InvokeModelWithResponseStream's binary event stream (protocols.md 2.3) from raw
 * response bytes into the SDK's `ResponseStream` members, with the SDK's own codec. Exception
 * frames become errors shaped like the SDK's (name = the exception's shape name), so that
 * error mapping and failover treat both clients alike.
 */
import type { ResponseStream } from '@aws-sdk/client-bedrock-runtime';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
/** A chunk's payload is `{"bytes":"<base64>","p":"<padding>"}`: the base64 is cut out, not parsed. */
const bytesPrefix = Buffer.from('{"bytes":"');
const quote = 0x22;

/** An exception Bedrock sent in the stream, as the SDK raises it. */
export class StreamException extends Error {
  readonly $metadata = {};
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * Yields each complete frame's event; frames may span or share the body's chunks. A failure
 * reading the body is raised as `readError` makes it (timeouts in words).
 */
export async function* decodeEventStream(body: AsyncIterable<Uint8Array>, readError: (err: unknown) => unknown = (err) => err): AsyncGenerator<ResponseStream> {
  let pending: Buffer | undefined;
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw readError(err);
      }
      if (next.done) break;
      const chunk = next.value;
      let buffer = pending ? Buffer.concat([pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0);
        if (buffer.length < length) break;
        const event = toEvent(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (event) yield event;
      }
      pending = buffer.length ? buffer : undefined;
    }
  } finally {
    // Stopped early (the client left, an exception frame): the response body is released.
    await iterator.return?.();
  }
  if (pending) throw new StreamException('SerializationException', 'the event stream ended inside a frame');
}

function toEvent(frame: Buffer): ResponseStream | undefined {
  const message = codec.decode(frame);
  const header = (name: string) => message.headers[name]?.value as string | undefined;
  const type = header(':message-type');
  if (type === 'event') {
    if (header(':event-type') !== 'chunk') return undefined;
    return { chunk: { bytes: chunkBytes(Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength)) } };
  }
  if (type === 'exception') {
    const name = header(':exception-type') ?? 'InternalServerException';
    throw new StreamException(name[0]!.toUpperCase() + name.slice(1), parseMessage(message.body) ?? name);
  }
  // :message-type "error": a service error without a modelled shape.
  throw new StreamException(header(':error-code') ?? 'InternalServerException', header(':error-message') ?? 'the event stream failed');
}

function chunkBytes(body: Buffer): Uint8Array {
  if (body.subarray(0, bytesPrefix.length).equals(bytesPrefix)) {
    const end = body.indexOf(quote, bytesPrefix.length);
    if (end > 0) return Buffer.from(body.toString('latin1', bytesPrefix.length, end), 'base64');
  }
  return Buffer.from((JSON.parse(toUtf8(body)) as { bytes: string }).bytes, 'base64');
}

function parseMessage(body: Uint8Array): string | undefined {
  try {
    const json = JSON.parse(toUtf8(body)) as { message?: string; Message?: string };
    return json.message ?? json.Message;
  } catch {
    return undefined;
  }
}
