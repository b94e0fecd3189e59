/** Splitting a raw event-stream body into frames and decoding them with the SDK's codec. */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export interface DecodedFrame {
  headers: Record<string, string>;
  payload: any;
}

export function decodeFrames(bytes: Uint8Array): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 0; offset < bytes.byteLength; ) {
    const length = view.getUint32(offset, false);
    const message = codec.decode(bytes.subarray(offset, offset + length));
    const headers: Record<string, string> = {};
    for (const [name, header] of Object.entries(message.headers)) headers[name] = String(header.value);
    frames.push({ headers, payload: JSON.parse(toUtf8(message.body)) });
    offset += length;
  }
  return frames;
}
