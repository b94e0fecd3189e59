import Anthropic from '@anthropic-ai/sdk';
import { emulatorCredentials, startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import type { Config } from '../../src/server/config.js';
import type { Db } from '../../src/db/db.js';
import { adminToken, http, startGateway, type TestGateway } from './gateway.js';

export interface InferenceRig {
  emulator: Emulator;
  gw: TestGateway;
  admin: string;
  /** A member's inference key. */
  key: string;
  sdk(options?: { apiKey?: string; maxRetries?: number }): Anthropic;
  close(): Promise<void>;
}

/** The emulator as "Bedrock", the gateway in front of it, and a virtual key for a client. */
export async function startInferenceRig(db: Db, options: { emulator?: EmulatorOptions; gateway?: Partial<Config> } = {}): Promise<InferenceRig> {
  process.env.AWS_ACCESS_KEY_ID = emulatorCredentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = emulatorCredentials.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const emulator = await startEmulator({ region: 'us-east-1', ...options.emulator });
  const gw = await startGateway(db, { region: 'us-east-1', bedrockEndpoint: emulator.url, ...options.gateway });
  const admin = await adminToken(gw.url);
  const created = await http(`${gw.url}/admin/v1/keys`, { method: 'POST', token: admin, body: { name: 'sdk' } });
  return {
    emulator,
    gw,
    admin,
    key: created.body.key,
    sdk: (o = {}) => new Anthropic({ baseURL: gw.url, apiKey: o.apiKey ?? created.body.key, maxRetries: o.maxRetries ?? 0 }),
    async close() {
      await gw.close();
      await emulator.close();
    },
  };
}
