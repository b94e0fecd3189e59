import { withParams, type HttpClient } from '../http.js';
import { field, makeProvider, mapResults, withSiteOperators } from '../results.js';
import type { ProviderConfig, SearchProvider } from '../types.js';

/**
 * A company's own search service, in ccag's minimal contract:
 *   GET <url>?q=<query>   — or, when the URL contains `{query}`, that placeholder replaced by the
 *                           URL-encoded query (e.g. `https://search.internal/api/{query}/json`)
 *   → 200 {"results": [{"url": "...", "title": "...", "snippet": "...", "page_age": "..."?}]}
 * With an apiKey it is sent as `Authorization: Bearer <key>`. Domain filters go into the query as
 * `site:` / `-site:` operators and are also applied to the results.
 */
export const QUERY_PLACEHOLDER = '{query}';

export function createCustom(c: ProviderConfig, http: HttpClient): SearchProvider {
  const template = c.url!;
  return makeProvider('custom', async (p, signal) => {
    const q = withSiteOperators(p);
    const url = template.includes(QUERY_PLACEHOLDER) ? template.split(QUERY_PLACEHOLDER).join(encodeURIComponent(q)) : withParams(template, { q });
    const headers: Record<string, string> = c.apiKey ? { authorization: `Bearer ${c.apiKey}` } : {};
    const body = await http.json({ method: 'GET', url, headers }, signal);
    return mapResults(field(body, 'custom', 'results'), { url: 'url', title: 'title', snippet: 'snippet', pageAge: ['page_age'] });
  });
}
