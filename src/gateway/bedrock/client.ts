import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface BedrockClientOptions {
  region?: string;
  endpoint?: string;
  /** Static keys, or a provider (an assumed role: see src/routing/credentials.ts); none: the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | AwsCredentialIdentityProvider;
  /** HTTP/1.1 with a keep-alive pool (default), or HTTP/2 (the SDK's own default). */
  httpVersion?: '1.1' | '2';
  /** Sign with these credentials even when AWS_BEARER_TOKEN_BEDROCK is set (the built-in emulator). */
  forceSigV4?: boolean;
}

/**
 * A Bedrock runtime client tuned for a gateway: keep-alive pools sized for many concurrent
 * streams, and no SDK retries (ccag decides what to retry or fail over, before the first byte).
 * HTTP/1.1 is the default: measured with `npm run bench`, it serves more requests per second
 * than one multiplexed HTTP/2 connection (see docs/performance.md).
 */
export function createBedrockClient(options: BedrockClientOptions): BedrockRuntimeClient {
  const agentOptions = { keepAlive: true, maxSockets: 1024, keepAliveMsecs: 10_000 };
  return new BedrockRuntimeClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: 1,
    ...(options.forceSigV4 ? { authSchemePreference: ['sigv4'] } : {}),
    requestHandler:
      options.httpVersion === '2'
        ? new NodeHttp2Handler({ sessionTimeout: 60_000, disableConcurrentStreams: false })
        : new NodeHttpHandler({ httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions), connectionTimeout: 10_000 }),
  });
}
