/**
 * The two Bedrock calls on the hot path, InvokeModel and InvokeModelWithResponseStream, made
 * one of two ways (CCAG_BEDROCK_CLIENT):
 * - `direct` (default): undici, signed with the SDK's SigV4 signer (or the Bedrock API key)
 *   and decoded with the SDK's event-stream codec, with the SDK client's own region, endpoint,
 *   credentials (memoized, AssumeRole renewed) and auth scheme choice. The SDK's per-call
 *   middleware stack was most of what the gateway added per request (docs/performance.md).
 * - `sdk`: the AWS SDK's commands, as before.
 * Both fail alike: HTTP errors as errors named by `x-amzn-errortype` with `$metadata.httpStatusCode`,
 * stream exceptions named by their shape, connection failures with their `code`.
 */
import {
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  type BedrockRuntimeClient,
  type ResponseStream,
} from '@aws-sdk/client-bedrock-runtime';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, TokenIdentity } from '@smithy/types';
import { Agent, errors as undiciErrors } from 'undici';
import { postBuffered, postStreaming, readText, type BufferedResponse, type ResponseHeaders, type StreamingResponse } from './dispatch.js';
import { decodeEventStream } from './event-stream.js';

export interface BedrockInvoker {
  /** InvokeModel: the answer's body (Anthropic JSON). */
  invoke(modelId: string, body: string, signal?: AbortSignal): Promise<Uint8Array>;
  /** InvokeModelWithResponseStream: its events, once the response has started. */
  invokeStream(modelId: string, body: string, signal?: AbortSignal): Promise<AsyncIterable<ResponseStream>>;
  close(): Promise<void>;
}

/** Milliseconds to wait for Bedrock: connecting, the first byte of an answer, between stream bytes. */
export interface BedrockTimeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

export const defaultBedrockTimeouts: BedrockTimeouts = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 60_000 };

/** A wait for Bedrock that ran out (CCAG_BEDROCK_*_TIMEOUT_MS): the endpoint's failure, like a 5xx. */
export class BedrockTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly $metadata = {};
}

export function sdkInvoker(client: BedrockRuntimeClient): BedrockInvoker {
  return {
    async invoke(modelId, body, signal) {
      const out = await client.send(new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body }), { abortSignal: signal });
      return out.body;
    },
    async invokeStream(modelId, body, signal) {
      const out = await client.send(new InvokeModelWithResponseStreamCommand({ modelId, contentType: 'application/json', accept: 'application/json', body }), { abortSignal: signal });
      return out.body!;
    },
    // The client is the connection's, closed with it.
    close: async () => {},
  };
}

/** Where and how to call: resolved once from the SDK client's configuration. */
interface Target {
  origin: string;
  basePath: string;
  host: string;
  sign: (headers: Record<string, string>, path: string, body: string) => Promise<Record<string, string>>;
}

export function directInvoker(client: BedrockRuntimeClient, o: { timeouts: BedrockTimeouts; httpVersion?: '1.1' | '2' }): BedrockInvoker {
  const dispatcher = new Agent({
    connectTimeout: o.timeouts.connectMs,
    headersTimeout: o.timeouts.firstByteMs,
    bodyTimeout: o.timeouts.idleMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    allowH2: o.httpVersion === '2',
  });
  let target: Promise<Target> | undefined;
  const resolveTarget = () => (target ??= resolve(client).catch((err) => ((target = undefined), Promise.reject(err))));

  /** The request's origin, URL path and signed headers. */
  const prepare = async (modelId: string, operation: 'invoke' | 'invoke-with-response-stream', body: string) => {
    const t = await resolveTarget();
    const path = `${t.basePath}/model/${labelEncode(modelId)}/${operation}`;
    const headers: Record<string, string> = { host: t.host, 'content-type': 'application/json' };
    headers[operation === 'invoke' ? 'accept' : 'x-amzn-bedrock-accept'] = 'application/json';
    return { origin: t.origin, path, headers: await t.sign(headers, path, body) };
  };

  return {
    async invoke(modelId, body, signal) {
      const { origin, path, headers } = await prepare(modelId, 'invoke', body);
      let res: BufferedResponse;
      try {
        res = await postBuffered(dispatcher, { origin, path, headers, body, signal });
      } catch (err) {
        throw timeoutOr(err, o.timeouts);
      }
      if (res.statusCode !== 200) throw httpError(res.statusCode, res.headers, res.body.toString());
      return res.body;
    },
    async invokeStream(modelId, body, signal) {
      const { origin, path, headers } = await prepare(modelId, 'invoke-with-response-stream', body);
      let res: StreamingResponse;
      try {
        res = await postStreaming(dispatcher, { origin, path, headers, body, signal });
        if (res.statusCode !== 200) throw httpError(res.statusCode, res.headers, await readText(res.body));
      } catch (err) {
        throw timeoutOr(err, o.timeouts);
      }
      return decodeEventStream(res.body, (err) => timeoutOr(err, o.timeouts));
    },
    // Like the SDK client's destroy(): whatever is still in flight is cut (shutdown has waited for it).
    close: () => dispatcher.destroy(),
  };
}

async function resolve(client: BedrockRuntimeClient): Promise<Target> {
  const config = client.config;
  const region = await config.region();
  let url: URL;
  if (config.isCustomEndpoint && config.endpoint) {
    const e = await config.endpoint();
    url = new URL(`${e.protocol}//${e.hostname}${e.port ? `:${e.port}` : ''}${e.path}`);
  } else {
    url = new URL(config.endpointProvider({ Region: region, UseFIPS: await config.useFipsEndpoint(), UseDualStack: await config.useDualstackEndpoint() }).url);
  }
  const basePath = url.pathname.replace(/\/+$/, '');
  return { origin: url.origin, basePath, host: url.host, sign: await signerFor(client, region) };
}

/**
 * The auth scheme the SDK would pick: the first of its preference (AWS_BEARER_TOKEN_BEDROCK
 * makes it the Bedrock API key) among SigV4 and bearer; SigV4 without one.
 */
async function signerFor(client: BedrockRuntimeClient, region: string): Promise<Target['sign']> {
  const config = client.config;
  const preference = ((await config.authSchemePreference?.()) ?? []).filter((s) => s === 'sigv4' || s === 'httpBearerAuth');
  if (preference[0] === 'httpBearerAuth') {
    const scheme = config.httpAuthSchemes.find((s) => s.schemeId === 'smithy.api#httpBearerAuth')!;
    const provider = scheme.identityProvider({ getIdentityProvider: () => undefined }) as () => Promise<TokenIdentity>;
    let cached: TokenIdentity | undefined;
    return async (headers) => {
      if (!cached || (cached.expiration && cached.expiration.getTime() - Date.now() < 60_000)) cached = await provider();
      return { ...headers, authorization: `Bearer ${cached.token}` };
    };
  }
  const signer = new SignatureV4({
    service: 'bedrock',
    region,
    credentials: config.credentials as AwsCredentialIdentityProvider,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
  });
  return async (headers, path, body) => {
    const signed = await signer.sign({ method: 'POST', protocol: 'https:', hostname: headers.host!, path, headers, body, query: {} });
    return signed.headers;
  };
}

const encodedLabels = new Map<string, string>();

/** An HTTP label as the SDK encodes it (RFC 3986: also !'()*). Model ids are few: each is encoded once. */
function labelEncode(value: string): string {
  let encoded = encodedLabels.get(value);
  if (encoded === undefined) {
    encoded = encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    if (encodedLabels.size < 1_000) encodedLabels.set(value, encoded);
  }
  return encoded;
}

/** A non-200 answer as the SDK raises it: named by x-amzn-errortype (or the body's type), with its status. */
function httpError(statusCode: number, headers: ResponseHeaders, text: string): Error {
  let json: { message?: string; Message?: string; __type?: string; code?: string } = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the text is the message
  }
  const header = headers['x-amzn-errortype'];
  const type = (Array.isArray(header) ? header[0] : header) ?? json.__type ?? json.code ?? 'UnknownError';
  const name = type.split(':')[0]!.split('#').pop()!;
  const error = new Error(json.message ?? json.Message ?? (text || `HTTP ${statusCode}`));
  error.name = name;
  return Object.assign(error, { $fault: statusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: statusCode } });
}

/** undici's header and body timeouts, in words that name the setting; anything else as it is. */
function timeoutOr(err: unknown, t: BedrockTimeouts): unknown {
  if (err instanceof undiciErrors.HeadersTimeoutError) {
    return new BedrockTimeoutError(`Amazon Bedrock sent no answer within ${t.firstByteMs} ms (CCAG_BEDROCK_FIRST_BYTE_TIMEOUT_MS)`);
  }
  if (err instanceof undiciErrors.BodyTimeoutError) {
    return new BedrockTimeoutError(`Amazon Bedrock sent nothing for ${t.idleMs} ms (CCAG_BEDROCK_IDLE_TIMEOUT_MS)`);
  }
  return err;
}
