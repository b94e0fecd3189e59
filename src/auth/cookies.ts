/** The gateway's cookies: the portal session and the browser binding of a sign-in in flight. */
export const sessionCookie = 'ccag_session';
export const browserCookie = 'ccag_browser';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    if (!(name in out)) out[name] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

/** A Set-Cookie value: HttpOnly and SameSite=Lax always, Secure when the gateway is reached over https. */
export function cookie(name: string, value: string, o: { secure: boolean; maxAgeSeconds: number; path?: string }): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${o.path ?? '/'}`,
    `Max-Age=${o.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * Where to send the browser after sign-in: only a path on this gateway. Anything that could
 * leave it (`//host`, `/\host`, a scheme) is refused, so the login is no open redirect.
 */
export function safeReturnPath(value: unknown): string | undefined {
  if (value === undefined || value === '') return '/portal/';
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || /[\\\s]/.test(value) || value.length > 500) return undefined;
  return value;
}
