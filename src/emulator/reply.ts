/**
 * Writing one answer over HTTP/1.1 or HTTP/2 alike, surviving clients that leave mid-answer:
 * a gone client ends the writing quietly instead of crashing the emulator.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { exceptionFrame } from './event-stream.js';
import { errorTypeHeader, type BedrockError } from './exceptions.js';

/** What http.ServerResponse and http2.Http2ServerResponse have in common and the emulator uses. */
export interface CompatResponse {
  writeHead(statusCode: number, headers: OutgoingHttpHeaders): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: 'close' | 'drain', listener: () => void): unknown;
}

export class Reply {
  private closed = false;
  /** Headers of an event stream went out: errors can only be exception frames now. */
  streamStarted = false;

  constructor(
    private readonly res: CompatResponse,
    private readonly requestId: string,
  ) {
    res.once('close', () => {
      this.closed = true;
    });
    // Writes racing a reset connection report errors here; the close handling is enough.
    res.on('error', () => {});
  }

  json(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
    if (this.closed) return;
    const text = JSON.stringify(body);
    this.res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': this.requestId,
      ...headers,
    });
    this.res.end(text);
  }

  /** restJson1 error: the type in x-amzn-errortype, only the message in the body. */
  error(err: BedrockError): void {
    if (this.streamStarted) {
      if (!this.closed) this.res.write(exceptionFrame('internalServerException', { message: err.message }));
      return this.end();
    }
    this.json(err.status, { message: err.message }, { 'x-amzn-errortype': errorTypeHeader(err.exception) });
  }

  startEventStream(): void {
    if (this.closed) return;
    this.streamStarted = true;
    this.res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-bedrock-content-type': 'application/json',
      'x-amzn-requestid': this.requestId,
    });
  }

  /** Writes respecting backpressure; false once the client has gone. */
  async write(chunk: Uint8Array): Promise<boolean> {
    if (this.closed) return false;
    if (!this.res.write(chunk)) await this.nextEvent('drain');
    return !this.closed;
  }

  end(): void {
    if (!this.closed) this.res.end();
  }

  /** Waits, unless the client leaves first; false if it did. */
  async pause(ms: number): Promise<boolean> {
    if (ms > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.res.removeListener('close', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.res.once('close', done);
      });
    }
    return !this.closed;
  }

  /** Resolves when the client goes away (the `hang` script answers nothing until then). */
  async untilClosed(): Promise<void> {
    if (!this.closed) await this.nextEvent('close');
  }

  private nextEvent(event: 'drain' | 'close'): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.removeListener('drain', done);
        this.res.removeListener('close', done);
        resolve();
      };
      this.res.once(event, done);
      if (event === 'drain') this.res.once('close', done);
    });
  }
}
