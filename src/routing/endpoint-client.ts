import type { EndpointRow } from '../db/repos/endpoints.js';
import { createBedrockConnection, type BedrockConnection } from '../gateway/bedrock/client.js';
import type { Config } from '../server/config.js';
import { credentialsProvider, type EndpointCredentials } from './credentials.js';

/** The Bedrock client of a configured endpoint: its region, URL override and credentials. */
export function endpointClient(row: EndpointRow, config: Config): BedrockConnection {
  return createBedrockConnection({
    region: row.region,
    endpoint: row.endpoint_url ?? undefined,
    credentials: credentialsProvider(row.credentials as EndpointCredentials, { region: row.region, stsEndpoint: config.stsEndpoint }),
    httpVersion: config.bedrockHttp,
    timeouts: config.bedrockTimeouts,
    invoker: config.bedrockClient,
  });
}
