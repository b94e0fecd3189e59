import type { Logger } from 'pino';
import { emulatorCredentials, startEmulator, type Emulator } from '../emulator/index.js';
import type { Config } from '../server/config.js';
import { createBedrockClient } from './bedrock/client.js';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

export interface Upstream {
  client: BedrockRuntimeClient;
  region: string;
  /** Set when ccag runs its built-in Bedrock emulator (`--upstream emulator`). */
  emulator?: Emulator;
  close(): Promise<void>;
}

const fallbackRegion = 'us-east-1';

/**
 * The Bedrock the gateway talks to: AWS (region and credentials from the usual AWS chain,
 * endpoint overridable), or the built-in emulator for trying ccag without an AWS account.
 */
export async function connectUpstream(config: Config, log: Logger): Promise<Upstream> {
  if (config.upstream === 'emulator') {
    const region = config.region ?? fallbackRegion;
    // A gateway may run for weeks: the built-in emulator keeps no record of requests.
    const emulator = await startEmulator({ region, recordRequests: false });
    log.info({ url: emulator.url }, 'using the built-in Bedrock emulator (no AWS calls)');
    const client = createBedrockClient({ region, endpoint: emulator.url, credentials: emulatorCredentials, httpVersion: config.bedrockHttp, forceSigV4: true });
    return { client, region, emulator, close: async () => (client.destroy(), await emulator.close()) };
  }
  const client = createBedrockClient({ region: config.region, endpoint: config.bedrockEndpoint, httpVersion: config.bedrockHttp });
  let region = config.region;
  if (!region) {
    region = await client.config.region().catch(() => undefined);
    if (!region) {
      log.warn(`no AWS region configured (AWS_REGION or --region); using ${fallbackRegion}`);
      region = fallbackRegion;
      client.destroy();
      const fallback = createBedrockClient({ region, endpoint: config.bedrockEndpoint, httpVersion: config.bedrockHttp });
      return { client: fallback, region, close: async () => fallback.destroy() };
    }
  }
  return { client, region, close: async () => client.destroy() };
}
