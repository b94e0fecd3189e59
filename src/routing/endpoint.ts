import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { BedrockInvoker } from '../gateway/bedrock/invoker.js';
import type { ProfilePrefix } from '../gateway/models/catalog.js';
import type { Routable } from './strategies.js';

/** A Bedrock account and region the gateway calls: its client and how models are named there. */
export interface Endpoint extends Routable {
  id: string;
  name: string;
  region: string;
  client: BedrockRuntimeClient;
  /** InvokeModel and InvokeModelWithResponseStream (the hot path), over the client's configuration. */
  invoker: BedrockInvoker;
  /** Inference-profile prefixes to call models with, best first. */
  profilePrefixes: ProfilePrefix[];
  /** Model id → application inference profile ARN. */
  modelArns: ReadonlyMap<string, string>;
  enabled: boolean;
}

/** The endpoint a gateway has without any configured: AWS_REGION and the default credentials. */
export const defaultEndpointId = 'default';
