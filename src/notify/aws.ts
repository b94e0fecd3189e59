import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { credentialsProvider } from '../routing/credentials.js';
import type { DeliveryResult } from './sender.js';

/** Where an SNS or EventBridge destination is and who it calls as. */
export interface AwsTarget {
  region: string;
  /** An endpoint override (VPC endpoints, tests). */
  endpointUrl?: string;
  /** A role to assume first (with its external id), as endpoints do; none: the gateway's own identity. */
  roleArn?: string;
  externalId?: string;
  stsEndpoint?: string;
}

/** Client settings: one attempt per call (the outbox retries, and records each attempt). */
export function awsClientConfig(t: AwsTarget): { region: string; endpoint?: string; credentials?: AwsCredentialIdentityProvider; maxAttempts: number } {
  const credentials = t.roleArn
    ? credentialsProvider({ type: 'assume_role', roleArn: t.roleArn, externalId: t.externalId }, { region: t.region, stsEndpoint: t.stsEndpoint })
    : undefined;
  return { region: t.region, maxAttempts: 1, ...(t.endpointUrl && { endpoint: t.endpointUrl }), ...(credentials && { credentials }) };
}

/** The region in an ARN (`arn:aws:sns:eu-west-1:…`), if it is one. */
export const arnRegion = (arn: string | null | undefined): string | undefined => /^arn:aws[-a-z]*:[a-z]+:([a-z]{2}(-gov)?-[a-z]+-\d):/.exec(arn ?? '')?.[1];

const throttling = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'InternalFailure', 'InternalException', 'ServiceUnavailable']);

/** An AWS SDK failure as a delivery result: server faults, throttling and network errors are retried. */
export function awsFailure(err: unknown): DeliveryResult {
  const e = err as { name?: string; message?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ?? null;
  const name = e.name ?? 'Error';
  const retryable = status === null || status >= 500 || status === 429 || e.$fault === 'server' || throttling.has(name);
  return { ok: false, httpStatus: status, error: `${name}: ${e.message ?? String(err)}`, retryable };
}

export { throttling as retryableAwsErrors };
