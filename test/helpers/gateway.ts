import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before } from 'node:test';
import { request } from 'undici';
import { loadConfig, type Config } from '../../src/server/config.js';
import { createGateway, type Gateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/telemetry/logger.js';
import type { Db } from '../../src/db/db.js';
import { createTestDb, type DbKind, type TestDatabase } from './db.js';

export const adminPassword = 'correct-horse-battery-staple';

export interface TestGateway {
  gateway: Gateway;
  url: string;
  /** Everything the gateway logged, for secret-leak assertions. */
  logs: () => string;
  close(): Promise<void>;
}

/** An in-process gateway on a free loopback port over the given database. */
export async function startGateway(db: Db, overrides: Partial<Config> = {}): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccag-test-'));
  const config = {
    ...loadConfig({ port: 0, dataDir, logLevel: 'debug' }, {}),
    adminPassword,
    secretKey: 'test-secret-key-test-secret-key-0123456789',
    ...overrides,
  };
  let logged = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logged += chunk.toString();
      cb();
    },
  });
  const gateway = await createGateway(config, { db, log: createLogger('debug', sink) });
  const url = await gateway.listen();
  return { gateway, url, logs: () => logged, close: () => gateway.close() };
}

/** A gateway over a fresh database for the whole test file: started before its tests, closed after them. */
export function useTestGateway(kind: DbKind = 'pglite', overrides: Partial<Config> = {}): { gw: TestGateway; db: TestDatabase } {
  const env = {} as { gw: TestGateway; db: TestDatabase };
  before(async () => {
    env.db = await createTestDb(kind);
    env.gw = await startGateway(env.db.db, overrides);
  });
  after(async () => {
    await env.gw?.close();
    await env.db?.drop();
  });
  return env;
}

export interface HttpResult<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** One HTTP call, JSON in and out. */
export async function http<T = any>(
  url: string,
  init: { method?: string; token?: string; apiKey?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.apiKey) headers['x-api-key'] = init.apiKey;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  } else if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers, body });
  const text = await res.body.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: res.statusCode, headers: res.headers, body: parsed as T };
}

/** Signs in as the bootstrap admin and returns the session token. */
export async function adminToken(url: string): Promise<string> {
  const res = await http(`${url}/admin/v1/auth/login`, { method: 'POST', body: { username: 'admin', password: adminPassword } });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/** Polls until fn returns true or the deadline passes; returns whether it did. */
export async function eventually(fn: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return fn();
}
