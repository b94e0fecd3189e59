import assert from 'node:assert/strict';
import { request } from 'undici';
import { statusForErrorType, type ErrorType } from '../../../src/api/errors.js';
import { adminPassword } from '../../helpers/gateway.js';

/** What must never be in a response body: stack frames, source paths, the test gateway's secrets. */
const leaks = [/\n\s+at .+\(.*:\d+:\d+\)/, /node_modules/, /\/src\/[\w/-]+\.[jt]s/, /test-secret-key-test-secret-key/, new RegExp(adminPassword)];

export function assertNoLeak(text: string, secrets: string[] = []): void {
  for (const pattern of leaks) assert.doesNotMatch(text, pattern, `a response leaks ${pattern}: ${text.slice(0, 300)}`);
  for (const secret of secrets) assert.equal(text.includes(secret), false, 'a response leaks a secret');
}

/** Anthropic's error shape, with the status its type is answered with. */
export function assertAnthropicError(status: number, text: string): void {
  const body = JSON.parse(text) as { type: string; error: { type: ErrorType; message: string }; request_id: string };
  assert.equal(body.type, 'error', text.slice(0, 300));
  assert.equal(typeof body.error.message, 'string');
  assert.equal(statusForErrorType[body.error.type], status, `${body.error.type} answered with ${status}`);
  assert.match(body.request_id, /^req_/);
}

/** A SCIM Error body (RFC 7644 §3.12). */
export function assertScimError(status: number, text: string): void {
  const body = JSON.parse(text) as { schemas: string[]; status: string; detail: string };
  assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], text.slice(0, 300));
  assert.equal(body.status, String(status));
  assert.equal(typeof body.detail, 'string');
}

/** An RFC 6749 §5.2 error body. */
export function assertOAuthError(text: string): void {
  const body = JSON.parse(text) as { error: string; error_description?: string };
  assert.match(body.error, /^[a-z_]+$/, text.slice(0, 300));
}

export interface Sent {
  status: number;
  text: string;
}

/** One request with an arbitrary body (string or bytes), answered in full. */
export async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Sent> {
  const res = await request(url, { method: (init.method ?? 'POST') as 'POST', headers: init.headers, body: init.body });
  return { status: res.statusCode, text: await res.body.text() };
}

/** The gateway still answers: it did not crash or wedge. */
export async function assertAlive(url: string): Promise<void> {
  const res = await request(`${url}/health`);
  assert.equal(res.statusCode, 200);
  await res.body.dump();
}

/** Heap in use after a collection when available (run with --expose-gc), else RSS. */
export function memoryInUse(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}
