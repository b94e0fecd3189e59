import { joinUrl, withParams, type HttpClient } from '../http.js';
import { decodeEntities, makeProvider, toResult, withSiteOperators } from '../results.js';
import { SearchError, type ProviderConfig, type SearchProvider, type SearchResult } from '../types.js';

/**
 * DuckDuckGo without a key: the HTML endpoint `GET https://html.duckduckgo.com/html/?q=…`, parsed.
 * The markup (as served by html.duckduckgo.com and parsed by many open-source clients, e.g.
 * mat-1/metasearch src/engines/search/duckduckgo.ts): each result is a `div.result` holding
 * `a.result__a` (title; href is a redirect `//duckduckgo.com/l/?uddg=<encoded target>&rut=…`) and
 * `.result__snippet` (an `a` or `div` with the snippet, `<b>` around matched words). Ads are
 * `div.result--ad` with hrefs to `duckduckgo.com/y.js`; they are skipped. DuckDuckGo answers a
 * suspected bot with HTTP 202 and a challenge page (the "anomaly" modal); that is reported as
 * `too_many_requests`. No dates on this page: pageAge is null.
 *
 * Domain filters go into the query as `site:` operators. The user location is not sent (DDG's
 * `kl` region codes are not derivable from a country code alone).
 */
export const DUCKDUCKGO_BASE_URL = 'https://html.duckduckgo.com';

export function createDuckDuckGo(c: ProviderConfig, http: HttpClient): SearchProvider {
  const endpoint = joinUrl(c.url ?? DUCKDUCKGO_BASE_URL, '/html/');
  return makeProvider('duckduckgo', async (p, signal) => {
    const url = withParams(endpoint, { q: withSiteOperators(p) });
    const reply = await http.text({ method: 'GET', url, headers: { accept: 'text/html' } }, signal);
    if (reply.status === 202 || /anomaly-modal|challenge-form/.test(reply.body)) {
      throw new SearchError('too_many_requests', 'duckduckgo: the search was refused as automated traffic (challenge page)');
    }
    return parseDuckDuckGoHtml(reply.body);
  });
}

const TAG = /<([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g;

function attributes(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of raw.matchAll(ATTR)) out[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

/** The element's inner HTML: up to its closing tag (same-name nesting is not expected here). */
function innerHtml(html: string, from: number, tag: string): string {
  const end = html.toLowerCase().indexOf(`</${tag.toLowerCase()}`, from);
  return html.slice(from, end === -1 ? undefined : end);
}

/** The target of a result link: DDG's `/l/?uddg=` redirect decoded; DDG-internal links (ads) → undefined. */
export function resolveDuckDuckGoHref(href: string): string | undefined {
  let u: URL;
  try {
    u = new URL(href, 'https://duckduckgo.com/');
  } catch {
    return undefined;
  }
  const ddg = u.hostname === 'duckduckgo.com' || u.hostname.endsWith('.duckduckgo.com');
  if (!ddg) return u.toString();
  const target = u.pathname.startsWith('/l/') ? u.searchParams.get('uddg') : null;
  return target ?? undefined;
}

/** Results from a DuckDuckGo HTML results page, in page order. */
export function parseDuckDuckGoHtml(html: string): SearchResult[] {
  const results: SearchResult[] = [];
  let current: { url: string; title: string; snippet: string } | undefined;
  let inAd = false;
  const flush = () => {
    const r = current && toResult(current.url, current.title, current.snippet, null);
    if (r) results.push(r);
    current = undefined;
  };
  for (const m of html.matchAll(TAG)) {
    const attrs = attributes(m[2]!);
    const classes = (attrs.class ?? '').split(/\s+/);
    if (classes.includes('result')) inAd = classes.includes('result--ad');
    if (classes.includes('result__a')) {
      flush();
      const url = inAd ? undefined : resolveDuckDuckGoHref(attrs.href ?? '');
      if (url) current = { url, title: innerHtml(html, m.index! + m[0].length, m[1]!), snippet: '' };
    } else if (classes.includes('result__snippet') && current && current.snippet === '') {
      current.snippet = innerHtml(html, m.index! + m[0].length, m[1]!);
    }
  }
  flush();
  return results;
}
