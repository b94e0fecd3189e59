import { request } from 'undici';
import type { Page } from '../api/schemas.js';
import { ApiError, CliError, exitCodes } from './errors.js';

/** The CLI's only way to the gateway: its admin API over HTTP. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> {
    const url = new URL(this.baseUrl.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'ccag-cli' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), headersTimeout: 60_000 });
    } catch (err) {
      const reason = (err as { code?: string }).code ?? (err as Error).message;
      throw new CliError(`cannot reach the gateway at ${this.baseUrl} (${reason}); is it running? check --gateway or CCAG_URL`, exitCodes.error, 'connection_error');
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      let parsed: { error?: { type?: string; message?: string } } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: report the status
      }
      throw new ApiError(res.statusCode, parsed.error?.type ?? 'api_error', parsed.error?.message ?? `HTTP ${res.statusCode} from ${url.pathname}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Every item of a paginated list, following next_cursor (up to `max` items). */
  async listAll<T>(path: string, query: Record<string, string | undefined> = {}, max = Infinity): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.call<Page<T>>('GET', path, undefined, { ...query, cursor, limit: String(Math.min(500, max - items.length)) });
      items.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && items.length < max);
    return items;
  }
}
