import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export const pingIntervalMs = 15_000;
const pingEvent = 'event: ping\ndata: {"type": "ping"}\n\n';

/**
 * Writes Server-Sent Events to a response as they come: waits for the socket to drain
 * (back-pressure reaches the upstream), and sends `ping` while the upstream is silent so
 * clients and load balancers keep the stream open.
 */
export class SseWriter {
  private lastWrite = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string>,
    pingEveryMs = pingIntervalMs,
  ) {
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.timer = setInterval(() => {
      if (Date.now() - this.lastWrite >= pingEveryMs - 50) void this.write(pingEvent);
    }, Math.max(50, Math.floor(pingEveryMs / 3)));
    this.timer.unref();
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Writes one event whose data is already JSON text. */
  event(type: string, json: string): Promise<void> {
    return this.write(`event: ${type}\ndata: ${json}\n\n`);
  }

  async write(chunk: string): Promise<void> {
    if (this.closed) return;
    this.lastWrite = Date.now();
    if (!this.res.write(chunk)) await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
  }

  end(): void {
    clearInterval(this.timer);
    if (!this.closed) this.res.end();
  }
}
