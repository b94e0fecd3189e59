import type { Logger } from 'pino';
import { emulatorCredentials, startEmulator, type Emulator } from '../emulator/index.js';
import type { Config } from '../server/config.js';
import { closeBedrockConnection, createBedrockConnection, type BedrockConnection } from './bedrock/client.js';

export interface Upstream extends BedrockConnection {
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
  const connect = (o: { region?: string; endpoint?: string; credentials?: typeof emulatorCredentials; forceSigV4?: boolean }) =>
    createBedrockConnection({ ...o, httpVersion: config.bedrockHttp, timeouts: config.bedrockTimeouts, invoker: config.bedrockClient });
  if (config.upstream === 'emulator') {
    const region = config.region ?? fallbackRegion;
    // A gateway may run for weeks: the built-in emulator keeps no record of requests.
    const emulator = await startEmulator({ region, recordRequests: false });
    log.info({ url: emulator.url }, 'using the built-in Bedrock emulator (no AWS calls)');
    const connection = connect({ region, endpoint: emulator.url, credentials: emulatorCredentials, forceSigV4: true });
    return { ...connection, region, emulator, close: async () => (await closeBedrockConnection(connection), await emulator.close()) };
  }
  const connection = connect({ region: config.region, endpoint: config.bedrockEndpoint });
  let region = config.region;
  if (!region) {
    region = await connection.client.config.region().catch(() => undefined);
    if (!region) {
      log.warn(`no AWS region configured (AWS_REGION or --region); using ${fallbackRegion}`);
      region = fallbackRegion;
      await closeBedrockConnection(connection);
      const fallback = connect({ region, endpoint: config.bedrockEndpoint });
      return { ...fallback, region, close: () => closeBedrockConnection(fallback) };
    }
  }
  return { ...connection, region, close: () => closeBedrockConnection(connection) };
}
