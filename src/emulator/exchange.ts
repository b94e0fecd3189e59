import type { Reply } from './reply.js';
import type { EmulatedRequest, EmulatorCredentials, EmulatorOptions } from './types.js';

/** The emulator's settings, some of which tests change while it runs. */
export interface EmulatorState {
  region: string;
  credentials: EmulatorCredentials;
  /** The inference profile ids listed; undefined: all of the region's. */
  profiles?: ReadonlySet<string>;
  acceptedFields: string[];
  acceptedBetas: string[];
  script?: EmulatorOptions['script'];
}

/** One authenticated request on its way to an operation. */
export interface Exchange {
  /** Already in Emulator.requests; operations set its outcome. */
  record: EmulatedRequest;
  query: URLSearchParams;
  rawBody: Buffer;
  reply: Reply;
  state: EmulatorState;
  /** performance.now() when the request arrived, for the latency metrics. */
  receivedAt: number;
}
