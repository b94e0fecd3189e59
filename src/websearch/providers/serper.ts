import { joinUrl, type HttpClient } from '../http.js';
import { countryCode, field, makeProvider, mapResults, withSiteOperators } from '../results.js';
import type { ProviderConfig, SearchProvider } from '../types.js';

/**
 * Serper (Google results): `POST https://google.serper.dev/search`, header `X-API-KEY`, JSON body
 * `{q, num, gl?}`; answer `organic[]` with `title`, `link`, `snippet`, `position` and sometimes
 * `date`. Source: Serper's API (serper.dev playground; OpenAPI description at
 * github.com/api-evangelist/serper, openapi/serper-google-search-api-openapi.yml).
 *
 * Domain filters go into the query as `site:` operators (Google syntax). The user's country is
 * sent as `gl` (lower-case ISO code).
 */
export const SERPER_BASE_URL = 'https://google.serper.dev';

export function createSerper(c: ProviderConfig, http: HttpClient): SearchProvider {
  const endpoint = joinUrl(c.url ?? SERPER_BASE_URL, '/search');
  return makeProvider('serper', async (p, signal) => {
    const json: Record<string, unknown> = { q: withSiteOperators(p), num: p.maxResults };
    const gl = countryCode(p);
    if (gl) json.gl = gl.toLowerCase();
    const body = await http.json({ method: 'POST', url: endpoint, headers: { 'x-api-key': c.apiKey ?? '' }, json }, signal);
    return mapResults(field(body, 'serper', 'organic'), { url: 'link', title: 'title', snippet: 'snippet', pageAge: ['date'] });
  });
}
