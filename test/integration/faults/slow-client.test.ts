import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { before, describe, test } from 'node:test';
import type { EmulatedRequest } from '../../../src/emulator/index.js';
import { useInferenceRig } from '../../helpers/inference.js';

const chunkCount = 500;
const chunkBytes = 20_000;

/** 500 chunks of 20 kB (10 MB), as fast as the emulator can send them. */
function bigStream(req: EmulatedRequest) {
  if (!req.operation.startsWith('InvokeModel')) return undefined;
  const chunks = Array.from({ length: chunkCount }, (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(chunkBytes - 4)}`);
  return { kind: 'message' as const, blocks: [{ type: 'text' as const, text: chunks.join(''), chunks }] };
}

describe('a slow client reading a 500-chunk stream', () => {
  const env = useInferenceRig('pglite', { emulator: { script: bigStream } });
  const sockets: Socket[] = [];
  before(() => {
    env.rig.gw.gateway.app.server.on('connection', (s: Socket) => sockets.push(s));
  });

  test('the gateway buffers a bounded amount (back-pressure to Bedrock), and every chunk arrives', async () => {
    const base = new URL(env.rig.gw.url);
    const rssBefore = process.memoryUsage().rss;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        { host: base.hostname, port: base.port, path: '/v1/messages', method: 'POST', headers: { 'x-api-key': env.rig.key, 'content-type': 'application/json' } },
        resolve,
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 64000, stream: true, messages: [{ role: 'user', content: 'a lot' }] }));
    });
    assert.equal(res.statusCode, 200);
    // The client stops reading at once: the kernel buffers fill, then the gateway must stop too.
    res.pause();
    const gatewaySocket = sockets.at(-1)!;
    let peakBuffered = 0;
    let peakRss = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      peakBuffered = Math.max(peakBuffered, gatewaySocket.writableLength);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    // Then reads slowly, 64 kB at a time.
    let received = '';
    let reads = 0;
    res.on('readable', function read() {
      let chunk: Buffer | null;
      while ((chunk = res.read(64 * 1024)) !== null) {
        received += chunk.toString();
        reads++;
        peakBuffered = Math.max(peakBuffered, gatewaySocket.writableLength);
      }
    });
    await new Promise((resolve) => res.on('end', resolve));
    const deltas = received.split('event: content_block_delta').length - 1;
    console.log(
      `slow client: ${(received.length / 1e6).toFixed(1)} MB in ${reads} reads; gateway socket buffered at most ${(peakBuffered / 1024).toFixed(0)} KiB; RSS grew ${((peakRss - rssBefore) / 1e6).toFixed(1)} MB while paused`,
    );
    assert.equal(deltas, chunkCount, 'every chunk arrived');
    assert.match(received, /event: message_stop/);
    // Without back-pressure the whole 10 MB would sit in the socket's buffer.
    assert.ok(peakBuffered < 1024 * 1024, `the gateway buffered ${peakBuffered} bytes for a paused client`);
  });
});
