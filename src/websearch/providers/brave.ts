import { joinUrl, withParams, type HttpClient } from '../http.js';
import { field, makeProvider, mapResults, withSiteOperators, type PreparedQuery } from '../results.js';
import type { ProviderConfig, SearchProvider } from '../types.js';

/**
 * Brave Search API, web search: `GET https://api.search.brave.com/res/v1/web/search`.
 * Sources: https://api-dashboard.search.brave.com/api-reference/web/search/get (query parameters
 * `q` — at most 400 characters and 50 words, `count` ≤ 20, `result_filter`; header
 * `X-Subscription-Token`), https://api.search.brave.com/app/documentation/web-search/request-headers
 * (location headers `X-Loc-City`, `X-Loc-State-Name`, `X-Loc-Country`, `X-Loc-Timezone`) and
 * https://api.search.brave.com/app/documentation/web-search/responses (`web.results[]` with
 * `url`, `title`, `description`, `page_age`, `age`).
 *
 * Domain filters go into the query as `site:` operators (Brave has no domain parameters). The
 * location is sent as the optional `X-Loc-*` hints rather than the `country` parameter, which Brave
 * rejects for countries outside its list.
 */
export const BRAVE_BASE_URL = 'https://api.search.brave.com';

export function createBrave(c: ProviderConfig, http: HttpClient): SearchProvider {
  const endpoint = joinUrl(c.url ?? BRAVE_BASE_URL, '/res/v1/web/search');
  return makeProvider('brave', async (p, signal) => {
    const url = withParams(endpoint, { q: withSiteOperators(p), count: String(p.maxResults), result_filter: 'web' });
    const headers = { 'x-subscription-token': c.apiKey ?? '', ...locationHeaders(p) };
    const body = await http.json({ method: 'GET', url, headers }, signal);
    return mapResults(field(body, 'brave', 'web', 'results'), { url: 'url', title: 'title', snippet: 'description', pageAge: ['page_age', 'age'] });
  });
}

function locationHeaders(p: PreparedQuery): Record<string, string> {
  const h: Record<string, string> = {};
  const { city, region, country, timezone } = p.location;
  // Header values must be plain ASCII-safe text; anything else is left out rather than mangled.
  const set = (name: string, v: string | undefined) => {
    if (v && /^[\x20-\x7e]{1,100}$/.test(v.trim())) h[name] = v.trim();
  };
  set('x-loc-city', city);
  set('x-loc-state-name', region);
  if (country && /^[A-Za-z]{2}$/.test(country.trim())) set('x-loc-country', country.trim().toUpperCase());
  set('x-loc-timezone', timezone);
  return h;
}
