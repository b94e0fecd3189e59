/**
 * An Anthropic-format front for the Bedrock emulator, for the peer gateway to call as its
 * `anthropic` provider: the peer's Bedrock provider calls Converse, which the emulator does
 * not serve. It does the least translation there is: `model`/`stream` out, `anthropic_version`
 * in; stream frames are decoded and written as SSE. Its own cost is measured as the "shim"
 * target, the peer's floor. Run as its own process:
 *   node --import tsx bench/anthropic-shim.ts <emulator-url> <bedrock-model-id>
 */
import { createServer } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { Agent, request } from 'undici';

const emulator = process.argv[2]!;
const modelId = encodeURIComponent(process.argv[3]!);
const agent = new Agent({ connections: 4096 });
const codec = new EventStreamCodec(toUtf8, fromUtf8);

const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const { model: _model, stream, ...rest } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const body = JSON.stringify({ ...rest, anthropic_version: 'bedrock-2023-05-31' });
    const answer = await request(`${emulator}/model/${modelId}/${stream ? 'invoke-with-response-stream' : 'invoke'}`, {
      method: 'POST',
      headers: { authorization: 'Bearer ccag-emulator-bearer', 'content-type': 'application/json' },
      body,
      dispatcher: agent,
    });
    if (!stream || answer.statusCode !== 200) {
      res.writeHead(answer.statusCode, { 'content-type': 'application/json' });
      for await (const c of answer.body) res.write(c);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let buffer: Buffer = Buffer.alloc(0);
    for await (const c of answer.body) {
      buffer = buffer.length ? Buffer.concat([buffer, c as Buffer]) : (c as Buffer);
      while (buffer.length >= 4 && buffer.length >= buffer.readUInt32BE(0)) {
        const length = buffer.readUInt32BE(0);
        const message = codec.decode(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        const json = JSON.parse(toUtf8(message.body)) as { bytes?: string };
        if (!json.bytes) continue;
        const event = Buffer.from(json.bytes, 'base64').toString('utf8');
        const type = (JSON.parse(event) as { type: string }).type;
        res.write(`event: ${type}\ndata: ${event}\n\n`);
      }
    }
    res.end();
  } catch {
    res.destroy();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(`anthropic shim listening on http://127.0.0.1:${address.port}`);
});
