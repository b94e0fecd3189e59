import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { defaultBedrockTimeouts, directInvoker, sdkInvoker, type BedrockInvoker, type BedrockTimeouts } from './invoker.js';

export interface BedrockClientOptions {
  region?: string;
  endpoint?: string;
  /** Static keys, or a provider (an assumed role: see src/routing/credentials.ts); none: the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | AwsCredentialIdentityProvider;
  /** HTTP/1.1 with a keep-alive pool (default), or HTTP/2 (the SDK's own default). */
  httpVersion?: '1.1' | '2';
  /** Sign with these credentials even when AWS_BEARER_TOKEN_BEDROCK is set (the built-in emulator). */
  forceSigV4?: boolean;
  timeouts?: BedrockTimeouts;
  /** How InvokeModel(WithResponseStream) is called: undici (default) or the SDK's commands. */
  invoker?: 'direct' | 'sdk';
}

/** An endpoint's SDK client (count_tokens, model discovery, credentials) and how it invokes models. */
export interface BedrockConnection {
  client: BedrockRuntimeClient;
  invoker: BedrockInvoker;
}

/**
 * A Bedrock runtime client tuned for a gateway: keep-alive pools sized for many concurrent
 * streams, and no SDK retries (ccag decides what to retry or fail over, before the first byte).
 * HTTP/1.1 is the default: measured with `npm run bench`, it serves more requests per second
 * than one multiplexed HTTP/2 connection (see docs/performance.md). The SDK's handler has a
 * connect timeout and one socket-inactivity timeout (the longer of first byte and idle).
 */
export function createBedrockClient(options: BedrockClientOptions): BedrockRuntimeClient {
  const timeouts = options.timeouts ?? defaultBedrockTimeouts;
  const agentOptions = { keepAlive: true, maxSockets: 1024, keepAliveMsecs: 10_000 };
  const inactivityMs = Math.max(timeouts.firstByteMs, timeouts.idleMs);
  return new BedrockRuntimeClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: 1,
    ...(options.forceSigV4 ? { authSchemePreference: ['sigv4'] } : {}),
    requestHandler:
      options.httpVersion === '2'
        ? new NodeHttp2Handler({ sessionTimeout: 60_000, disableConcurrentStreams: false, requestTimeout: inactivityMs })
        : new NodeHttpHandler({
            httpAgent: new HttpAgent(agentOptions),
            httpsAgent: new HttpsAgent(agentOptions),
            connectionTimeout: timeouts.connectMs,
            // Inactivity of the socket (requestTimeout would bound a whole stream, however lively).
            socketTimeout: inactivityMs,
          }),
  });
}

export function createBedrockConnection(options: BedrockClientOptions): BedrockConnection {
  const client = createBedrockClient(options);
  const invoker = options.invoker === 'sdk' ? sdkInvoker(client) : directInvoker(client, { timeouts: options.timeouts ?? defaultBedrockTimeouts, httpVersion: options.httpVersion });
  return { client, invoker };
}

/** Closes both: the SDK client's pool and the invoker's. */
export async function closeBedrockConnection(c: BedrockConnection): Promise<void> {
  c.client.destroy();
  await c.invoker.close().catch(() => undefined);
}
