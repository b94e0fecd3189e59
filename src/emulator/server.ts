/**
 * The Bedrock emulator: a real HTTP server (HTTP/1.1 and h2c on one port) that authenticates,
 * routes, and hands each request to its operation. Refusals become Bedrock's restJson1 errors
 * here, in one place.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { performance } from 'node:perf_hooks';
import { defaultAcceptedBetas, defaultAcceptedFields } from './accepted-input.js';
import { countTokens } from './count-tokens.js';
import { emulatorBearerToken, emulatorCredentials } from './credentials.js';
import { BedrockError } from './exceptions.js';
import type { EmulatorState, Exchange } from './exchange.js';
import { getInferenceProfile, listInferenceProfiles } from './inference-profiles.js';
import { invokeModel } from './invoke.js';
import { isRecord } from './json-shape.js';
import { Reply, type CompatResponse } from './reply.js';
import { matchRoute } from './routes.js';
import { verifyAuthorization } from './sigv4.js';
import { listenHttp1And2 } from './transport.js';
import type { EmulatedOperation, EmulatedRequest, Emulator, EmulatorOptions } from './types.js';

const operations: Record<EmulatedOperation, (exchange: Exchange) => void | Promise<void>> = {
  InvokeModel: (exchange) => invokeModel(exchange, false),
  InvokeModelWithResponseStream: (exchange) => invokeModel(exchange, true),
  CountTokens: countTokens,
  ListInferenceProfiles: listInferenceProfiles,
  GetInferenceProfile: getInferenceProfile,
};

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const state: EmulatorState = {
    region: options.region ?? 'us-east-1',
    credentials: options.credentials ?? emulatorCredentials,
    profiles: options.profiles ? new Set(options.profiles) : undefined,
    acceptedFields: options.acceptedFields ?? defaultAcceptedFields,
    acceptedBetas: options.acceptedBetas ?? defaultAcceptedBetas,
    script: options.script,
  };
  const requests: EmulatedRequest[] = [];

  async function handle(req: IncomingMessage | Http2ServerRequest, res: CompatResponse): Promise<void> {
    const receivedAt = performance.now();
    const reply = new Reply(res, randomUUID());
    const method = req.method ?? '';
    const url = req.url ?? '';
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req);
    } catch {
      return; // the client left while sending
    }
    const route = matchRoute(method, url);
    if (!route) return reply.error(new BedrockError('UnknownOperationException', `No operation matches ${method} ${url.split('?')[0]}.`));

    const headers = plainHeaders(req.headers);
    const record: EmulatedRequest = {
      operation: route.operation,
      modelId: route.resourceId,
      headers,
      body: recordedBody(route.operation, rawBody),
      outcome: { ok: true },
      httpVersion: req.httpVersion === '2.0' ? '2.0' : '1.1',
    };
    if (options.recordRequests !== false) requests.push(record);
    try {
      await verifyAuthorization(
        { method, url, headers: { ...headers, ...authority(req.headers) }, body: rawBody },
        { region: state.region, credentials: state.credentials, temporaryCredentials: options.temporaryCredentials, bearerToken: emulatorBearerToken },
      );
      await operations[route.operation]({ record, query: route.query, rawBody, reply, state, receivedAt });
    } catch (err) {
      const refusal = err instanceof BedrockError ? err : new BedrockError('InternalServerException', `The Bedrock emulator failed: ${(err as Error).message}`);
      record.outcome = { ok: false, exception: refusal.exception, message: refusal.message, status: reply.streamStarted ? 200 : refusal.status };
      reply.error(refusal);
    }
  }

  const listener = await listenHttp1And2(host, options.port ?? 0, (req, res) => void handle(req, res));
  return {
    url: `http://${urlHost(host)}:${listener.port}`,
    port: listener.port,
    requests,
    configure(changes) {
      if (changes.acceptedFields) state.acceptedFields = changes.acceptedFields;
      if (changes.acceptedBetas) state.acceptedBetas = changes.acceptedBetas;
      if ('script' in changes) state.script = changes.script;
    },
    close: () => listener.close(),
  };
}

async function readBody(req: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Lower-case names, one string each, no HTTP/2 pseudo-headers; `host` from :authority if needed. */
function plainHeaders(raw: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || name.startsWith(':')) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const authority = raw[':authority'];
  if (headers.host === undefined && typeof authority === 'string') headers.host = authority;
  return headers;
}

/** Over HTTP/2 the AWS SDK signs the :authority pseudo-header instead of host. */
function authority(raw: IncomingHttpHeaders): Record<string, string> {
  const value = raw[':authority'];
  return typeof value === 'string' ? { ':authority': value } : {};
}

/** The JSON the caller sent; for CountTokens the InvokeModel body inside it. Raw text if not JSON. */
function recordedBody(operation: EmulatedOperation, rawBody: Buffer): unknown {
  if (rawBody.length === 0) return undefined;
  const parsed = parseJson(rawBody.toString('utf8'));
  if (operation !== 'CountTokens') return parsed;
  const inner = isRecord(parsed) && isRecord(parsed.input) && isRecord(parsed.input.invokeModel) ? parsed.input.invokeModel.body : undefined;
  return typeof inner === 'string' ? parseJson(Buffer.from(inner, 'base64').toString('utf8')) : parsed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
