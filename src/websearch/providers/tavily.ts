import { joinUrl, type HttpClient } from '../http.js';
import { field, makeProvider, mapResults } from '../results.js';
import type { ProviderConfig, SearchProvider } from '../types.js';

/**
 * Tavily Search: `POST https://api.tavily.com/search` with a JSON body.
 * Sources: Tavily's API reference (docs.tavily.com/documentation/api-reference/endpoint/search):
 * body `query`, `max_results`, `search_depth`, `topic`, `include_domains`, `exclude_domains`; the
 * key as `Authorization: Bearer tvly-…` (current) — older clients send it as `api_key` in the body
 * (e.g. langchain's TavilySearchAPIWrapper), which the API still accepts, so both are sent. Answer:
 * `{query, results: [{title, url, content, score, raw_content?, published_date?}], response_time}`
 * (`published_date` only with topic "news").
 *
 * Domain filters use Tavily's own include/exclude parameters. Tavily's `country` takes full
 * English country names, not ISO codes, so the user location is not sent.
 */
export const TAVILY_BASE_URL = 'https://api.tavily.com';

export function createTavily(c: ProviderConfig, http: HttpClient): SearchProvider {
  const endpoint = joinUrl(c.url ?? TAVILY_BASE_URL, '/search');
  const key = c.apiKey ?? '';
  return makeProvider('tavily', async (p, signal) => {
    const json: Record<string, unknown> = { api_key: key, query: p.query, max_results: p.maxResults, search_depth: 'basic', topic: 'general' };
    if (p.allowed.length > 0) json.include_domains = p.allowed;
    if (p.blocked.length > 0) json.exclude_domains = p.blocked;
    const body = await http.json({ method: 'POST', url: endpoint, headers: { authorization: `Bearer ${key}` }, json }, signal);
    return mapResults(field(body, 'tavily', 'results'), { url: 'url', title: 'title', snippet: 'content', pageAge: ['published_date'] });
  });
}
