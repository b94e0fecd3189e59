import open from 'open';
import { request } from 'undici';
import type { WellKnown } from '../api/schemas.js';
import { CliError, exitCodes } from './errors.js';

/** RFC 6749 §5.1 token response, as the gateway's /oauth/token sends it. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

/** An OAuth error answer (RFC 6749 §5.2). */
export class OAuthResponseError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: number,
  ) {
    super(description || error);
  }
}

/** The gateway's discovery document; also what tells a ccag gateway from any other URL. */
export async function discoverGateway(url: string): Promise<WellKnown> {
  let res;
  try {
    res = await request(`${url}/.well-known/ccag.json`, { headersTimeout: 15_000, bodyTimeout: 15_000 });
  } catch (err) {
    throw new CliError(`cannot reach the gateway at ${url} (${(err as { code?: string }).code ?? (err as Error).message}); check the URL`, exitCodes.error, 'connection_error');
  }
  const text = await res.body.text();
  let doc: Partial<WellKnown> | undefined;
  try {
    doc = JSON.parse(text) as Partial<WellKnown>;
  } catch {
    // not JSON
  }
  if (res.statusCode !== 200 || doc?.name !== 'ccag') throw new CliError(`${url} is not a ccag gateway (no /.well-known/ccag.json)`, exitCodes.error, 'connection_error');
  return doc as WellKnown;
}

/** A form POST to an OAuth endpoint: the token response, or OAuthResponseError. */
export async function oauthPost<T>(endpoint: string, form: Record<string, string>): Promise<T> {
  let res;
  try {
    res = await request(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'ccag-cli' },
      body: new URLSearchParams(form).toString(),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
  } catch (err) {
    throw new CliError(`cannot reach ${new URL(endpoint).origin} (${(err as { code?: string }).code ?? (err as Error).message})`, exitCodes.error, 'connection_error');
  }
  const text = await res.body.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // reported below
  }
  if (res.statusCode >= 400) throw new OAuthResponseError(String(body.error ?? `http_${res.statusCode}`), String(body.error_description ?? ''), res.statusCode);
  return body as T;
}

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

/**
 * RFC 8628 device login: shows the code and link (and opens the browser on a desktop), then
 * polls at the interval the gateway asks for, 5 s more after each slow_down.
 */
export async function deviceLogin(known: WellKnown, say: (line: string) => void, openBrowser: boolean): Promise<TokenResponse> {
  const start = await oauthPost<DeviceAuthorization>(known.device_authorization_endpoint, { client_id: known.client_id, scope: 'openid' });
  const link = start.verification_uri_complete ?? start.verification_uri;
  say(`To sign in, open ${link}`);
  say(`and check that it shows the code ${start.user_code}.`);
  if (openBrowser) await open(link).catch(() => undefined);
  let interval = start.interval ?? 5;
  const deadline = Date.now() + start.expires_in * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, interval * 1000));
    try {
      return await oauthPost<TokenResponse>(known.token_endpoint, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: start.device_code, client_id: known.client_id });
    } catch (err) {
      if (!(err instanceof OAuthResponseError)) throw err;
      if (err.error === 'authorization_pending') continue;
      if (err.error === 'slow_down') {
        interval += 5;
        continue;
      }
      if (err.error === 'access_denied') throw new CliError('the sign-in was refused in the browser', exitCodes.auth, 'authentication_error');
      if (err.error === 'expired_token') break;
      throw new CliError(`device login failed: ${err.message}`, exitCodes.auth, 'authentication_error');
    }
  }
  throw new CliError('the code expired before the sign-in finished; run the command again', exitCodes.auth, 'authentication_error');
}

/** A desktop session where a browser can open (not SSH, not a headless box, not a test). */
export function canOpenBrowser(): boolean {
  if (!process.stderr.isTTY || process.env.CI || process.env.SSH_CONNECTION) return false;
  return process.platform === 'darwin' || process.platform === 'win32' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}
