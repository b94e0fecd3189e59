import { request } from 'undici';

interface StoredCookie {
  value: string;
  path: string;
}

export interface Page {
  status: number;
  url: string;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A browser reduced to what sign-in flows need: a cookie jar (one host, paths honoured),
 * redirects followed by hand (303 and 302 turn into GET), forms posted url-encoded.
 */
export class HttpBrowser {
  private readonly jar = new Map<string, StoredCookie>();
  /** Every Set-Cookie header received, in order, for assertions on cookie attributes. */
  readonly setCookies: string[] = [];

  get(url: string): Promise<Page> {
    return this.navigate('GET', url);
  }

  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    return this.navigate('POST', url, new URLSearchParams(form).toString(), headers);
  }

  cookie(name: string): string | undefined {
    for (const [key, c] of this.jar) if (key.split('\0')[0] === name) return c.value;
    return undefined;
  }

  private async navigate(method: string, url: string, body?: string, extra: Record<string, string> = {}): Promise<Page> {
    for (let hops = 0; hops < 20; hops++) {
      const headers: Record<string, string> = { ...extra, cookie: this.cookieHeader(new URL(url).pathname) };
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await request(url, { method: method as 'GET', headers, body });
      this.store(res.headers['set-cookie']);
      const text = await res.body.text();
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        url = new URL(location, url).toString();
        if (res.statusCode !== 307 && res.statusCode !== 308) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return { status: res.statusCode, url, text, headers: res.headers };
    }
    throw new Error('too many redirects');
  }

  private cookieHeader(path: string): string {
    return [...this.jar]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map(([key, c]) => `${key.split('\0')[0]}=${c.value}`)
      .join('; ');
  }

  private store(header: string | string[] | undefined): void {
    for (const line of [header ?? []].flat()) {
      this.setCookies.push(line);
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) || '/';
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()));
      if (expired || value === '') this.jar.delete(`${name}\0${path}`);
      else this.jar.set(`${name}\0${path}`, { value, path });
    }
  }
}

/** The person's side of device login: open the verification link, continue with the (first) IdP or password, finish. */
export async function approveDeviceLogin(browser: HttpBrowser, verificationUriComplete: string, password?: { username: string; password: string }): Promise<Page> {
  const confirm = await browser.get(verificationUriComplete);
  const userCode = /name="user_code" value="([^"]+)"/.exec(confirm.text)?.[1];
  if (!userCode) throw new Error(`no confirmation form at ${verificationUriComplete}: ${confirm.status} ${confirm.text.slice(0, 300)}`);
  const idp = /name="idp" value="([^"]+)"/.exec(confirm.text)?.[1];
  const action = new URL('/device', verificationUriComplete).toString();
  return browser.post(action, { user_code: userCode, ...(idp ? { idp } : {}), ...(password ?? {}) });
}
