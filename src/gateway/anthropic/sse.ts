import type { ServerResponse } from 'node:http';

export const pingIntervalMs = 15_000;
const pingEvent = 'event: ping\ndata: {"type": "ping"}\n\n';
/**
 * Past this many characters a batch is written at once: events decoded back to back (an
 * upstream that is far ahead of a slow client) must meet the socket's back-pressure, not pile up.
 */
const batchLimit = 16 * 1024;

/**
 * Writes Server-Sent Events to a response as they come: waits for the socket to drain
 * (back-pressure reaches the upstream), and sends `ping` while the upstream is silent so
 * clients and load balancers keep the stream open. The first event goes out at once; later
 * events written in the same turn of the event loop (all those decoded from one read of
 * Bedrock's stream) go out in one write: one chunk and one system call rather than one per event.
 */
export class SseWriter {
  private lastWrite = Date.now();
  /** Nothing written yet: the first event goes out at once, with the headers (time to first byte). */
  private first = true;
  private readonly timer: NodeJS.Timeout;
  private pending = '';
  private flushing: NodeJS.Immediate | undefined;
  /** Set while the socket's buffer is full: writers wait for it. */
  private draining: Promise<unknown> | undefined;

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

  write(chunk: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.lastWrite = Date.now();
    this.pending += chunk;
    if (this.first || this.pending.length >= batchLimit) {
      this.first = false;
      this.flush();
    }
    else this.flushing ??= setImmediate(this.flush);
    return (this.draining as Promise<void> | undefined) ?? Promise.resolve();
  }

  private readonly flush = (): void => {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    const chunk = this.pending;
    this.pending = '';
    if (!chunk || this.closed) return;
    if (!this.res.write(chunk) && !this.draining) this.draining = this.drained();
  };

  /** Resolves when the socket drains or closes (writers stop on `closed`); leaves no listener behind. */
  private drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        this.draining = undefined;
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  end(): void {
    clearInterval(this.timer);
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.closed) return;
    if (this.pending) this.res.write(this.pending);
    this.pending = '';
    this.res.end();
  }
}
