/**
 * Temporary credentials (access key id, secret, session token, expiry) that the STS emulator
 * issues and the Bedrock emulator accepts: the one thing the two share, as AWS's STS and
 * Bedrock share its identity store.
 */
import type { EmulatorCredentials } from './types.js';

export interface TemporaryCredentials extends EmulatorCredentials {
  sessionToken: string;
  expiration: Date;
}

export class TemporaryCredentialStore {
  private readonly byAccessKeyId = new Map<string, TemporaryCredentials>();

  add(credentials: TemporaryCredentials): void {
    this.byAccessKeyId.set(credentials.accessKeyId, credentials);
  }

  /** Expired ones are kept, so that a caller using them learns they expired rather than that they never existed. */
  find(accessKeyId: string): TemporaryCredentials | undefined {
    return this.byAccessKeyId.get(accessKeyId);
  }
}
