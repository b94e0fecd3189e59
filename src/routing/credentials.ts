/**
 * The AWS credentials an endpoint's Bedrock calls are signed with: the SDK's default chain,
 * static keys, or a role assumed through STS whose credentials are renewed before they expire.
 */
import { hostname } from 'node:os';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { z } from 'zod';

export const endpointCredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('default') }),
  z.strictObject({
    type: z.literal('static'),
    accessKeyId: z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
    secretAccessKey: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
  }),
  z.strictObject({
    type: z.literal('assume_role'),
    roleArn: z
      .string()
      .trim()
      .max(2048, 'must be at most 2048 characters')
      .regex(/^arn:aws[-a-z]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, 'must be an IAM role ARN, like arn:aws:iam::123456789012:role/Name'),
    externalId: z
      .string()
      .regex(/^[\w+=,.@:\/-]{2,1224}$/, 'must be 2-1224 letters, digits or any of _+=,.@:/-')
      .optional(),
    sessionName: z
      .string()
      .regex(/^[\w+=,.@-]{2,64}$/, 'must be 2-64 letters, digits or any of _+=,.@-')
      .optional(),
    durationSeconds: z.number().int('must be a whole number').min(900, 'must be at least 900').max(43200, 'must be at most 43200').optional(),
  }),
]);
export type EndpointCredentials = z.infer<typeof endpointCredentialsSchema>;

export interface CredentialsProviderOptions {
  /** The endpoint's region; STS is called in it too. */
  region: string;
  /** STS endpoint (CCAG_STS_ENDPOINT). Without it the SDK picks one, honouring AWS_ENDPOINT_URL_STS. */
  stsEndpoint?: string;
  /** Who calls AssumeRole. Default: the SDK's default chain (the gateway's own identity). */
  sourceCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** undefined means the SDK's default chain: give the client no `credentials` at all. */
export function credentialsProvider(c: EndpointCredentials, o: CredentialsProviderOptions): AwsCredentialIdentityProvider | undefined {
  switch (c.type) {
    case 'default':
      return undefined;
    case 'static': {
      const identity = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
      return async () => identity;
    }
    case 'assume_role':
      // No caller client config is passed on: the provider then owns its STS client, and one
      // provider can serve an endpoint's runtime and control-plane clients alike.
      return refreshBeforeExpiry(
        fromTemporaryCredentials({
          params: { RoleArn: c.roleArn, ExternalId: c.externalId, RoleSessionName: c.sessionName ?? `ccag-${sessionSafe(hostname())}`, DurationSeconds: c.durationSeconds },
          clientConfig: { region: o.region, ...(o.stsEndpoint ? { endpoint: o.stsEndpoint } : {}) },
          masterCredentials: o.sourceCredentials,
        }),
      );
  }
}

/** SDK clients renew expiring credentials in their last 5 minutes; right for STS's 15 min to 12 h. */
const sdkRefreshWindowMs = 300_000;

/**
 * Remembers expiring credentials and fetches new ones once less than min(5 min, half their
 * lifetime) is left; concurrent callers share one fetch. The SDK's own memoization has a fixed
 * 5-minute window and no setting for it: credentials that live less than that would be fetched
 * again for every request. Half the lifetime leaves short-lived ones (tests) the same margin.
 */
export function refreshBeforeExpiry(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let current: { identity: AwsCredentialIdentity; refreshAt: number } | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fetch = (): Promise<AwsCredentialIdentity> =>
    (pending ??= provider()
      .then((identity) => {
        current = { identity, refreshAt: refreshTime(identity, Date.now()) };
        return identity;
      })
      .finally(() => {
        pending = undefined;
      }));
  return async () => (current && Date.now() < current.refreshAt ? current.identity : fetch());
}

function refreshTime(identity: AwsCredentialIdentity, fetchedAt: number): number {
  if (!identity.expiration) return Number.POSITIVE_INFINITY;
  const expiresAt = identity.expiration.getTime();
  return expiresAt - Math.min(sdkRefreshWindowMs, (expiresAt - fetchedAt) / 2);
}

/** Host names may hold characters a RoleSessionName may not; the name is 2-64 characters. */
function sessionSafe(host: string): string {
  return host.replace(/[^\w+=,.@-]/g, '-').slice(0, 64 - 'ccag-'.length);
}
