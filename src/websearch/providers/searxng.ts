import { joinUrl, withParams, type HttpClient } from '../http.js';
import { field, makeProvider, mapResults, withSiteOperators } from '../results.js';
import type { ProviderConfig, SearchProvider } from '../types.js';

/**
 * SearXNG (self-hosted metasearch): `GET <url>/search?q=…&format=json`.
 * Source: https://docs.searxng.org/dev/search_api (parameters `q`, `format`, `pageno`,
 * `safesearch`, `language`; the JSON format must be enabled in the instance's settings.yml —
 * otherwise it answers 403, reported as `unavailable`). Answer: `results[]` with `url`, `title`,
 * `content`, `publishedDate` (null or ISO), `engine`, `score`.
 *
 * No API key. Domain filters go into the query as `site:` operators (passed on to engines that
 * understand them); results are filtered afterwards in any case. SearXNG returns its own page size
 * (~20), cut down to maxResults here.
 */
export function createSearxng(c: ProviderConfig, http: HttpClient): SearchProvider {
  const endpoint = joinUrl(c.url!, '/search');
  return makeProvider('searxng', async (p, signal) => {
    const url = withParams(endpoint, { q: withSiteOperators(p), format: 'json', pageno: '1' });
    const body = await http.json({ method: 'GET', url }, signal);
    return mapResults(field(body, 'searxng', 'results'), { url: 'url', title: 'title', snippet: 'content', pageAge: ['publishedDate'] });
  });
}
