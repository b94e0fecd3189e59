import type { FastifyBaseLogger } from 'fastify';
import { isConnectionError, upstreamErrorInfo } from '../gateway/bedrock/errors.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointHealth } from './health.js';

/** Bedrock's answers that say "not here, not now": another endpoint may well serve the request. */
const retryableNames = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Whether a failure is the endpoint's (throttled, down, unreachable, slow) rather than the request's. */
export function isEndpointFailure(err: unknown): boolean {
  if (isConnectionError(err)) return true;
  const info = upstreamErrorInfo(err);
  return retryableNames.has(info.name) || (info.status !== undefined && (info.status >= 500 || info.status === 429));
}

export interface Served<T> {
  endpoint: Endpoint;
  result: T;
  /** The endpoints that failed before it, with why. */
  failedOver: { endpoint: string; error: string }[];
}

export interface FailoverOptions {
  /** The client left: a failure is then not the endpoint's. */
  signal?: AbortSignal;
  log: FastifyBaseLogger;
  /** At most this many endpoints are tried for one request. */
  maxAttempts?: number;
}

/**
 * Tries the route's endpoints in order, skipping those whose circuit is open, and moves on
 * when an endpoint fails in a way another could serve (throttling, 5xx, timeouts, connection
 * errors). It runs before anything reaches the client, so moving on is invisible to it.
 */
export async function withFailover<T>(
  route: readonly Endpoint[],
  health: EndpointHealth,
  model: string,
  attempt: (endpoint: Endpoint) => Promise<T>,
  o: FailoverOptions,
): Promise<Served<T>> {
  const maxAttempts = o.maxAttempts ?? 3;
  const failedOver: Served<T>['failedOver'] = [];
  let lastError: unknown;
  let tried = 0;
  const tryOne = async (endpoint: Endpoint): Promise<Served<T> | undefined> => {
    const started = Date.now();
    try {
      const result = await attempt(endpoint);
      health.success(endpoint.id, model, Date.now() - started);
      health.observer?.attempt(endpoint.name, Date.now() - started);
      return { endpoint, result, failedOver };
    } catch (err) {
      if (!o.signal?.aborted) health.observer?.attempt(endpoint.name, Date.now() - started, err);
      if (o.signal?.aborted || !isEndpointFailure(err)) {
        health.release(endpoint.id, model);
        throw err;
      }
      const reason = `${upstreamErrorInfo(err).name}: ${upstreamErrorInfo(err).message}`.slice(0, 300);
      health.failure(endpoint.id, model, reason);
      failedOver.push({ endpoint: endpoint.name, error: reason });
      o.log.warn({ endpoint: endpoint.name, model, err: reason }, 'endpoint failed; trying the next');
      lastError = err;
      return undefined;
    }
  };
  for (const endpoint of route) {
    if (tried >= maxAttempts) break;
    // Asked only when about to try: a half-open circuit's one probe is this request.
    if (!health.admit(endpoint.id, model)) continue;
    tried++;
    const served = await tryOne(endpoint);
    if (served) return served;
  }
  // Every circuit open: trying the first is better than failing without asking.
  if (tried === 0) {
    const served = await tryOne(route[0]!);
    if (served) return served;
  }
  throw lastError;
}

/**
 * Waits for a stream's first event, so that a stream that opens with an exception (Bedrock
 * sends throttling that way too) fails over like an HTTP error; then replays it and the rest.
 */
export async function firstEventReady<T>(stream: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    [Symbol.asyncIterator]() {
      let replayed = false;
      return {
        next: () => {
          if (!replayed) {
            replayed = true;
            return Promise.resolve(first);
          }
          return iterator.next();
        },
        return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
      } as AsyncIterator<T>;
    },
  };
}
