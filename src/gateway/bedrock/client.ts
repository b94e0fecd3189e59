import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface BedrockClientOptions {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * A Bedrock runtime client tuned for a gateway: keep-alive pools sized for many concurrent
 * streams, and no SDK retries (ccag decides what to retry or fail over, before the first byte).
 */
export function createBedrockClient(options: BedrockClientOptions): BedrockRuntimeClient {
  const agentOptions = { keepAlive: true, maxSockets: 1024, keepAliveMsecs: 10_000 };
  return new BedrockRuntimeClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 10_000,
    }),
  });
}
