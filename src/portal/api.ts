import type { WellKnown } from '../api/schemas.js';

/** The portal's only way to the gateway: the admin API, signed in by the HttpOnly session cookie. */

export const adminBase = '/admin/v1';

/** An admin API error, with the API's own message (shown in place to the person). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** An admin API URL; empty query values are left out. */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return `${adminBase}${path}${qs ? `?${qs}` : ''}`;
}

let onSessionEnded: (() => void) | undefined;

/** Called when the API no longer accepts the session (expired, signed out elsewhere, user deactivated). */
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

async function call<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  // Same-origin fetches send the session cookie, and the browser adds the Origin header
  // that the gateway's CSRF check wants on changes.
  const res = await fetch(apiUrl(path, query), {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.status === 401 && path !== '/auth/login') onSessionEnded?.();
  if (!res.ok) {
    throw new ApiError(res.status, parsed?.error?.type ?? 'api_error', parsed?.error?.message ?? `${method} ${path} failed with HTTP ${res.status}`);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => call<T>('GET', path, undefined, query),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  del: <T = void>(path: string) => call<T>('DELETE', path),
};

/** A path segment for a resource reference (an email or a model id can hold `/` or `@`). */
export const seg = (ref: string) => encodeURIComponent(ref);

/** The gateway's public description (version, public URL, sign-in methods): the one call outside /admin/v1. */
export async function wellKnown(): Promise<WellKnown> {
  const res = await fetch('/.well-known/ccag.json', { credentials: 'omit' });
  if (!res.ok) throw new ApiError(res.status, 'api_error', `/.well-known/ccag.json failed with HTTP ${res.status}`);
  return (await res.json()) as WellKnown;
}
