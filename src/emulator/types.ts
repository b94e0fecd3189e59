import type { Script } from './script.js';
import type { TemporaryCredentialStore } from './temporary-credentials.js';

export interface EmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** The SigV4 region requests must be signed for, and the region profiles are listed in. Default us-east-1. */
  region?: string;
  /** Default emulatorCredentials. */
  credentials?: EmulatorCredentials;
  /**
   * The inference profile ids ListInferenceProfiles and GetInferenceProfile know (an account
   * with access to only some models); default every profile of the region. Invocation is not limited.
   */
  profiles?: string[];
  /**
   * Temporary credentials accepted as well, with their session token and until they expire:
   * pass the STS emulator's `issued` store to accept what it issues.
   */
  temporaryCredentials?: TemporaryCredentialStore;
  /** Top-level InvokeModel body keys accepted; default defaultAcceptedFields. */
  acceptedFields?: string[];
  /** anthropic_beta values accepted; default defaultAcceptedBetas. */
  acceptedBetas?: string[];
  /** What the model answers; undefined (or returning undefined) → the prompt-directive script. */
  script?: (req: EmulatedRequest) => Script | undefined;
  /**
   * Keep every request in Emulator.requests (default true). A long-running emulator (`ccag
   * emulator`, benchmarks) turns it off, since every record holds its request body.
   */
  recordRequests?: boolean;
}

export type EmulatedOperation =
  | 'InvokeModel'
  | 'InvokeModelWithResponseStream'
  | 'CountTokens'
  | 'ListInferenceProfiles'
  | 'GetInferenceProfile';

export type EmulatedOutcome = { ok: true } | { ok: false; exception: string; message: string; status: number };

export interface EmulatedRequest {
  operation: EmulatedOperation;
  /** Decoded path segment (may be an ARN or a profile id like us.anthropic.…); '' for ListInferenceProfiles. */
  modelId: string;
  /** Lower-case names; HTTP/2 pseudo-headers left out. */
  headers: Record<string, string>;
  /** Parsed JSON body (for CountTokens: the decoded inner InvokeModel body); the raw text when it is not JSON. */
  body: any;
  /**
   * What the emulator answered: ok, or the Bedrock exception it returned. An exception sent as a
   * frame inside a stream that had started has status 200, the status that went over the wire.
   */
  outcome: EmulatedOutcome;
  httpVersion: '1.1' | '2.0';
}

export interface Emulator {
  /** http://127.0.0.1:PORT: runtime and control plane on the same port. */
  url: string;
  port: number;
  /** Every request to a known operation, in order of arrival. */
  requests: EmulatedRequest[];
  /** Change what is accepted or scripted while running. */
  configure(options: Partial<Pick<EmulatorOptions, 'acceptedFields' | 'acceptedBetas' | 'script'>>): void;
  close(): Promise<void>;
}
