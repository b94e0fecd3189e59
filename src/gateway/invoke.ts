import type { ResponseStream } from '@aws-sdk/client-bedrock-runtime';
import type { FastifyBaseLogger } from 'fastify';
import { rejectionIn, type CapabilityTable } from './bedrock/capabilities.js';
import { upstreamErrorInfo } from './bedrock/errors.js';
import type { BedrockInvoker } from './bedrock/invoker.js';
import type { BedrockRequest } from './bedrock/translate-request.js';

export interface InvokeResult<T> {
  output: T;
  /** Betas or fields dropped after Bedrock refused them (`beta:…`, `field:…`). */
  retriedWithout: string[];
}

/** How many refusals one request may learn from (each names something else to strip). */
const maxLearnedRetries = 3;

/**
 * Calls Bedrock; when it refuses a beta or a field by name, remembers that for this endpoint
 * and model, translates again without it and retries. The next request is translated
 * without it from the start, so it costs no retry.
 */
export async function invokeWithLearning<T>(
  call: (request: BedrockRequest) => Promise<T>,
  translate: () => BedrockRequest,
  learning: { capabilities: CapabilityTable; endpoint: string; modelKey: string; log: FastifyBaseLogger },
): Promise<InvokeResult<T>> {
  const retriedWithout: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const request = translate();
    try {
      return { output: await call(request), retriedWithout };
    } catch (err) {
      const info = upstreamErrorInfo(err);
      const rejected = info.name === 'ValidationException' ? rejectionIn(info.message) : undefined;
      if (!rejected || attempt >= maxLearnedRetries) throw err;
      const { capabilities, endpoint, modelKey, log } = learning;
      // "invalid beta flag" usually names no flag: then none of the betas sent is trusted.
      const names = rejected.name ? [rejected.name] : ((request.body.anthropic_beta as string[] | undefined) ?? []);
      const learned = names.map((n) => `${rejected.kind}:${n}`).filter((n) => !retriedWithout.includes(n));
      if (learned.length === 0) throw err;
      for (const name of names) capabilities.learn(endpoint, modelKey, rejected.kind, name);
      retriedWithout.push(...learned);
      log.info({ endpoint, model: modelKey, learned, message: info.message }, 'Bedrock refused part of the request; learned and retrying without it');
    }
  }
}

/** InvokeModel: the answer's body. */
export function invokeJson(invoker: BedrockInvoker, request: BedrockRequest, signal: AbortSignal | undefined): Promise<Uint8Array> {
  return invoker.invoke(request.modelId, JSON.stringify(request.body), signal);
}

/** InvokeModelWithResponseStream: its events. */
export function invokeStream(invoker: BedrockInvoker, request: BedrockRequest, signal: AbortSignal | undefined): Promise<AsyncIterable<ResponseStream>> {
  return invoker.invokeStream(request.modelId, JSON.stringify(request.body), signal);
}
