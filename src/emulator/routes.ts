/**
 * Which operation a request is, from its method and percent-encoded path: the Bedrock runtime's
 * (protocols.md 2.1) and the two control-plane operations of `@aws-sdk/client-bedrock` that
 * discovery needs.
 */
import type { EmulatedOperation } from './types.js';

export interface Route {
  operation: EmulatedOperation;
  /** The decoded {modelId} or {inferenceProfileIdentifier}; '' for ListInferenceProfiles. */
  resourceId: string;
  query: URLSearchParams;
}

const runtimeOperations: Record<string, EmulatedOperation> = {
  invoke: 'InvokeModel',
  'invoke-with-response-stream': 'InvokeModelWithResponseStream',
  'count-tokens': 'CountTokens',
};

export function matchRoute(method: string, url: string): Route | undefined {
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : url.slice(queryStart + 1));
  // Split before decoding: an ARN's '/' arrives as %2F and stays inside its segment.
  const segments = path.split('/').slice(1);
  if (method === 'POST' && segments.length === 3 && segments[0] === 'model') {
    const operation = runtimeOperations[segments[2]!];
    const modelId = decode(segments[1]!);
    return operation && modelId ? { operation, resourceId: modelId, query } : undefined;
  }
  if (method === 'GET' && segments[0] === 'inference-profiles') {
    if (segments.length === 1) return { operation: 'ListInferenceProfiles', resourceId: '', query };
    const id = segments.length === 2 ? decode(segments[1]!) : undefined;
    if (id) return { operation: 'GetInferenceProfile', resourceId: id, query };
  }
  return undefined;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
