import { Agent, request, type Dispatcher } from 'undici';
import { SearchError, type SearchErrorCode } from './types.js';
import { assertPublicUrl, guardedLookup, UnsafeUrlError } from './url-guard.js';

/**
 * The one HTTP path every search provider uses: SSRF guard, per-attempt timeout, retries with a
 * short backoff (only on 5xx, 429 and connection errors), and the mapping of failures to
 * SearchError codes. Error messages name the provider and the host, never the query string, and
 * any configured secret is redacted from them.
 */

export interface HttpSettings {
  provider: string;
  timeoutMs: number;
  retries: number;
  allowPrivate: boolean;
  /** Values that must never appear in an error message (API keys). */
  secrets: string[];
}

export interface HttpCall {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** A JSON body; sent with content-type application/json. */
  json?: unknown;
}

export interface HttpReply {
  status: number;
  body: string;
}

export interface HttpClient {
  /** Resolves for any 2xx status; throws SearchError otherwise. */
  text(call: HttpCall, signal?: AbortSignal): Promise<HttpReply>;
  /** `text`, parsed as JSON (a body that is not JSON is `unavailable`). */
  json(call: HttpCall, signal?: AbortSignal): Promise<unknown>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2_000;
const USER_AGENT = 'ccag-websearch/1';
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** A failure of one attempt, and whether another attempt may help. */
class AttemptError extends Error {
  constructor(
    readonly code: SearchErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function createHttpClient(s: HttpSettings): HttpClient {
  // With the guard on, sockets are opened through guardedLookup (see url-guard.ts on DNS rebinding).
  const dispatcher: Dispatcher | undefined = s.allowPrivate ? undefined : new Agent({ connect: { lookup: guardedLookup } });
  const redact = (message: string) => s.secrets.reduce((m, secret) => (secret ? m.split(secret).join('[redacted]') : m), message);

  async function attempt(call: HttpCall, signal: AbortSignal | undefined): Promise<HttpReply> {
    const host = hostOf(call.url);
    if (!s.allowPrivate) {
      try {
        await assertPublicUrl(call.url);
      } catch (err) {
        if (err instanceof UnsafeUrlError) throw new AttemptError('unavailable', `${s.provider}: refused provider URL: ${err.message}`, false);
        throw err;
      }
    }
    const timeout = AbortSignal.timeout(s.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json', ...call.headers };
    if (call.json !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await request(call.url, {
        method: call.method,
        headers,
        body: call.json === undefined ? undefined : JSON.stringify(call.json),
        signal: combined,
        dispatcher,
      });
      if (res.statusCode < 200 || res.statusCode > 299) {
        await res.body.dump().catch(() => undefined);
        throw statusError(s.provider, host, res.statusCode);
      }
      return { status: res.statusCode, body: await readCapped(res.body, s.provider) };
    } catch (err) {
      if (err instanceof AttemptError) throw err;
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) throw new AttemptError('unavailable', `${s.provider}: no answer from ${host} within ${s.timeoutMs} ms`, false);
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ERR_SSRF_BLOCKED') throw new AttemptError('unavailable', `${s.provider}: refused provider URL: ${(err as Error).message}`, false);
      throw new AttemptError('unavailable', `${s.provider}: cannot reach ${host}: ${code || (err as Error).message}`, CONNECTION_ERRORS.has(code));
    }
  }

  async function text(call: HttpCall, signal?: AbortSignal): Promise<HttpReply> {
    for (let n = 0; ; n++) {
      try {
        return await attempt(call, signal);
      } catch (err) {
        if (!(err instanceof AttemptError)) throw err; // the caller's abort
        if (!err.retryable || n >= s.retries) throw new SearchError(err.code, redact(err.message));
      }
      await sleep(Math.min(MAX_BACKOFF_MS, BACKOFF_MS * 2 ** n), signal);
    }
  }

  return {
    text,
    async json(call, signal) {
      const reply = await text(call, signal);
      try {
        return JSON.parse(reply.body) as unknown;
      } catch {
        throw new SearchError('unavailable', `${s.provider}: the answer from ${hostOf(call.url)} is not JSON`);
      }
    },
  };
}

function statusError(provider: string, host: string, status: number): AttemptError {
  if (status === 429) return new AttemptError('too_many_requests', `${provider}: ${host} answered 429 (rate limited)`, true);
  if (status === 401 || status === 403) return new AttemptError('unavailable', `${provider}: ${host} answered ${status} (check the API key)`, false);
  if (status >= 500) return new AttemptError('unavailable', `${provider}: ${host} answered ${status}`, true);
  if (status >= 300 && status < 400) return new AttemptError('unavailable', `${provider}: ${host} answered a redirect (${status}), which is not followed`, false);
  return new AttemptError('unavailable', `${provider}: ${host} answered ${status}`, false);
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, provider: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new AttemptError('unavailable', `${provider}: the answer is larger than ${MAX_BODY_BYTES} bytes`, false);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the provider';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `url` with these query parameters set (undefined values left out). */
export function withParams(url: string, params: Record<string, string | undefined>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

/** `base` with `path` appended (a base URL may carry a path prefix, e.g. behind a proxy). */
export function joinUrl(base: string, path: string): string {
  const u = new URL(base);
  u.pathname = u.pathname.replace(/\/+$/, '') + path;
  return u.toString();
}
