/** The real AWS SDK clients pointed at an emulator, and what the tests read back from them. */
import { BedrockClient } from '@aws-sdk/client-bedrock';
import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  type InvokeModelWithResponseStreamCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { PassThrough, type Readable } from 'node:stream';
import { emulatorCredentials, type Emulator } from '../../../src/emulator/index.js';

export const sonnet45Profile = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
export const sonnet45Base = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
export const opus48Profile = 'global.anthropic.claude-opus-4-8';

/**
 * A runtime client as the gateway would build one. Without requestHandler it uses the SDK's
 * default, which for bedrock-runtime is HTTP/2 (NodeHttp2Handler). No retries unless asked.
 */
export function runtimeClient(emulator: Emulator, config: Partial<BedrockRuntimeClientConfig> = {}): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ region: 'us-east-1', endpoint: emulator.url, credentials: emulatorCredentials, maxAttempts: 1, ...config });
}

export function http1Handler(): { requestHandler: NodeHttpHandler } {
  return { requestHandler: new NodeHttpHandler() };
}

export function controlPlaneClient(emulator: Emulator, region = 'us-east-1'): BedrockClient {
  return new BedrockClient({ region, endpoint: emulator.url, credentials: emulatorCredentials, maxAttempts: 1 });
}

/** A valid InvokeModel body for Claude, with a prompt and any field overridden. */
export function invokeBody(prompt: string, fields: Record<string, unknown> = {}): Uint8Array {
  return encodeJson({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 1024, messages: [{ role: 'user', content: prompt }], ...fields });
}

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function decodeJson(bytes: Uint8Array | undefined): any {
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The Anthropic events of a stream, decoded the way a gateway does: JSON.parse(chunk.bytes). */
export async function streamedEvents(output: InvokeModelWithResponseStreamCommandOutput): Promise<any[]> {
  const events: any[] = [];
  for await (const part of output.body!) events.push(decodeJson(part.chunk?.bytes));
  return events;
}

/** Records the raw HTTP status and headers of every response the client receives. */
export function recordResponses(client: BedrockRuntimeClient | BedrockClient): { status: number; headers: Record<string, string> }[] {
  const seen: { status: number; headers: Record<string, string> }[] = [];
  (client.middlewareStack as any).add(
    (next: any) => async (args: any) => {
      const result = await next(args);
      seen.push({ status: result.response.statusCode, headers: result.response.headers });
      return result;
    },
    { step: 'deserialize', name: 'recordResponses', priority: 'low' },
  );
  return seen;
}

/** Settles with the error a promise rejects with, failing if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** The SDK's HTTP/1.1 handler, keeping a copy of each response body's raw bytes. */
export class RawBodyHandler extends NodeHttpHandler {
  readonly bodies: Promise<Buffer>[] = [];

  override async handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    const { response } = await super.handle(...args);
    const original = response.body as Readable;
    const forSdk = new PassThrough();
    const copy = new PassThrough();
    original.pipe(forSdk);
    original.pipe(copy);
    this.bodies.push(collect(copy));
    response.body = forSdk;
    return { response };
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
