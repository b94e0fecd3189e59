/**
 * POSTs through undici's dispatcher with handlers of our own, for the two Bedrock calls on the
 * hot path. undici's request() wraps every answer in a Readable body stream with its promises
 * and listeners; a buffered answer needs none of it, and a streamed one only needs its chunks
 * in order, with back-pressure.
 */
import type { Dispatcher } from 'undici';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface Post {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal | undefined;
}

export interface BufferedResponse {
  statusCode: number;
  headers: ResponseHeaders;
  body: Buffer;
}

export interface StreamingResponse {
  statusCode: number;
  headers: ResponseHeaders;
  /** The body's chunks as they arrive; leaving the iteration early aborts the request. */
  body: AsyncIterable<Buffer>;
}

/** Chunks held for a reader that is behind before the connection is paused (back-pressure to Bedrock). */
const highWaterChunks = 16;

/** Runs a POST; `handler` receives the controller once the request starts. Aborting the signal aborts it. */
function dispatch(dispatcher: Dispatcher, post: Post, handler: Dispatcher.DispatchHandler, fail: (err: unknown) => void): void {
  const { signal } = post;
  if (signal?.aborted) return fail(signal.reason);
  let onAbort: (() => void) | undefined;
  const release = () => onAbort && signal?.removeEventListener('abort', onAbort);
  dispatcher.dispatch(
    { origin: post.origin, path: post.path, method: 'POST', headers: post.headers, body: post.body },
    {
      ...handler,
      onRequestStart(controller, context) {
        if (signal) {
          onAbort = () => controller.abort(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
        }
        handler.onRequestStart?.(controller, context);
      },
      onResponseEnd(controller, trailers) {
        release();
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, err) {
        release();
        handler.onResponseError?.(controller, err);
      },
    },
  );
}

/** A POST whose whole answer is wanted at once (InvokeModel). */
export function postBuffered(dispatcher: Dispatcher, post: Post): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let statusCode = 0;
    let headers: ResponseHeaders = {};
    dispatch(
      dispatcher,
      post,
      {
        onResponseStart(_controller, status, responseHeaders) {
          statusCode = status;
          headers = responseHeaders;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ statusCode, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      },
      reject,
    );
  });
}

/**
 * A POST whose answer is read as it arrives (InvokeModelWithResponseStream): resolves once
 * the response has started. Chunks wait in a short queue; past it the connection is paused
 * until the reader catches up.
 */
export function postStreaming(dispatcher: Dispatcher, post: Post): Promise<StreamingResponse> {
  return new Promise((resolve, reject) => {
    const queue: Buffer[] = [];
    let controller: Dispatcher.DispatchController | undefined;
    let ended = false;
    let failure: unknown;
    let started = false;
    /** The reader waiting for the next chunk, if any. */
    let waiting: { resolve: (r: IteratorResult<Buffer>) => void; reject: (err: unknown) => void } | undefined;

    const wake = () => {
      const w = waiting;
      if (!w) return;
      waiting = undefined;
      if (queue.length) w.resolve({ value: queue.shift()!, done: false });
      else if (failure !== undefined) w.reject(failure);
      else if (ended) w.resolve({ value: undefined, done: true });
      else waiting = w;
    };

    const body: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => ({
        next(): Promise<IteratorResult<Buffer>> {
          if (queue.length) {
            const value = queue.shift()!;
            if (controller?.paused && queue.length < highWaterChunks / 2) controller.resume();
            return Promise.resolve({ value, done: false });
          }
          if (failure !== undefined) return Promise.reject(failure);
          if (ended) return Promise.resolve({ value: undefined, done: true });
          if (controller?.paused) controller.resume();
          return new Promise((res, rej) => (waiting = { resolve: res, reject: rej }));
        },
        return(): Promise<IteratorResult<Buffer>> {
          // Stopped early (the client left, an exception frame): the request is cut, like a destroyed body.
          if (!ended && failure === undefined) controller?.abort(new Error('the response body was not read to its end'));
          queue.length = 0;
          return Promise.resolve({ value: undefined, done: true });
        },
      }),
    };

    dispatch(
      dispatcher,
      post,
      {
        onRequestStart(c) {
          controller = c;
        },
        onResponseStart(_controller, statusCode, headers) {
          started = true;
          resolve({ statusCode, headers, body });
        },
        onResponseData(c, chunk) {
          queue.push(chunk);
          if (queue.length >= highWaterChunks && !c.paused) c.pause();
          wake();
        },
        onResponseEnd() {
          ended = true;
          wake();
        },
        onResponseError(_controller, err) {
          if (!started) return reject(err);
          failure = err;
          wake();
        },
      },
      reject,
    );
  });
}

/** A body read to its end as text (error answers). */
export async function readText(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}
