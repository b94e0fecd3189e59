import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { EndpointRow } from '../db/repos/endpoints.js';
import { createBedrockClient } from '../gateway/bedrock/client.js';
import type { Config } from '../server/config.js';
import { credentialsProvider, type EndpointCredentials } from './credentials.js';

/** The Bedrock client of a configured endpoint: its region, URL override and credentials. */
export function endpointClient(row: EndpointRow, config: Config): BedrockRuntimeClient {
  return createBedrockClient({
    region: row.region,
    endpoint: row.endpoint_url ?? undefined,
    credentials: credentialsProvider(row.credentials as EndpointCredentials, { region: row.region, stsEndpoint: config.stsEndpoint }),
    httpVersion: config.bedrockHttp,
  });
}
