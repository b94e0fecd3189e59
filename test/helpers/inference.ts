import { after, before } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { emulatorCredentials, startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import type { Config } from '../../src/server/config.js';
import type { Db } from '../../src/db/db.js';
import { createTestDb, type DbKind, type TestDatabase } from './db.js';
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

/**
 * A rig on a fresh database for the tests around it (a file, or a describe block): started
 * before them, closed after. Read `rig` and `db` inside tests, once started.
 */
export function useInferenceRig(kind: DbKind = 'pglite', options: Parameters<typeof startInferenceRig>[1] = {}): { rig: InferenceRig; db: TestDatabase } {
  const env = {} as { rig: InferenceRig; db: TestDatabase };
  before(async () => {
    env.db = await createTestDb(kind);
    env.rig = await startInferenceRig(env.db.db, options);
  });
  after(async () => {
    await env.rig?.close();
    await env.db?.drop();
  });
  return env;
}
