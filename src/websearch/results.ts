import { SearchError, type SearchProvider, type SearchQuery, type SearchResult } from './types.js';

/**
 * What every provider shares around its one HTTP call: checking and normalising the query before
 * anything is sent, turning the provider's result objects into SearchResults, and filtering the
 * results by the allowed/blocked domains afterwards (whatever the provider did with them).
 */

export const MAX_QUERY_LENGTH = 400;
export const DEFAULT_MAX_RESULTS = 5;
const MAX_MAX_RESULTS = 20;

export interface PreparedQuery {
  query: string;
  maxResults: number;
  allowed: string[];
  blocked: string[];
  location: NonNullable<SearchQuery['userLocation']>;
}

export function prepareQuery(q: SearchQuery): PreparedQuery {
  if (!q || typeof q.query !== 'string' || q.query.trim() === '') throw new SearchError('invalid_tool_input', 'the search query is empty');
  const query = q.query.trim();
  if (query.length > MAX_QUERY_LENGTH) {
    throw new SearchError('query_too_long', `the search query has ${query.length} characters; at most ${MAX_QUERY_LENGTH} are allowed`);
  }
  const n = q.maxResults ?? DEFAULT_MAX_RESULTS;
  if (!Number.isInteger(n) || n < 1) throw new SearchError('invalid_tool_input', `maxResults must be a positive integer, not ${String(n)}`);
  return {
    query,
    maxResults: Math.min(n, MAX_MAX_RESULTS),
    allowed: normalizeDomains(q.allowedDomains),
    blocked: normalizeDomains(q.blockedDomains),
    location: q.userLocation ?? {},
  };
}

/** "https://www.Example.com/path" → "www.example.com"; "*.example.com" → "example.com". */
export function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d+$/, '')
    .replace(/^\*\./, '')
    .replace(/\.$/, '');
}

function normalizeDomains(list: string[] | undefined): string[] {
  return [...new Set((list ?? []).map(normalizeDomain).filter((d) => d !== ''))];
}

/** The host of `url` is `domain` or a subdomain of it. */
export function hostMatches(url: string, domain: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  return host === domain || host.endsWith(`.${domain}`);
}

export function domainAllowed(url: string, p: Pick<PreparedQuery, 'allowed' | 'blocked'>): boolean {
  if (p.blocked.some((d) => hostMatches(url, d))) return false;
  return p.allowed.length === 0 || p.allowed.some((d) => hostMatches(url, d));
}

/** The query with `site:` / `-site:` operators, for providers without domain parameters. */
export function withSiteOperators(p: PreparedQuery): string {
  const parts = [p.query];
  if (p.allowed.length === 1) parts.push(`site:${p.allowed[0]}`);
  else if (p.allowed.length > 1) parts.push(`(${p.allowed.map((d) => `site:${d}`).join(' OR ')})`);
  for (const d of p.blocked) parts.push(`-site:${d}`);
  return parts.join(' ');
}

/** A two-letter ISO country code from the user location, or undefined. */
export function countryCode(p: PreparedQuery): string | undefined {
  const c = p.location.country?.trim();
  return c && /^[A-Za-z]{2}$/.test(c) ? c.toUpperCase() : undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Decodes HTML entities (named basics and numeric). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[e.toLowerCase()] ?? whole;
  });
}

/** Plain text from a snippet that may carry markup (`<strong>`, `<b>`) and entities. */
export function cleanText(s: unknown): string {
  if (typeof s !== 'string') return '';
  return decodeEntities(s.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

function httpUrl(u: unknown): string | undefined {
  if (typeof u !== 'string') return undefined;
  try {
    const parsed = new URL(u.trim());
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

export function toResult(url: unknown, title: unknown, snippet: unknown, pageAge?: unknown): SearchResult | undefined {
  const u = httpUrl(url);
  if (!u) return undefined;
  const age = typeof pageAge === 'string' && pageAge.trim() !== '' ? pageAge.trim() : null;
  return { url: u, title: cleanText(title) || u, snippet: cleanText(snippet), pageAge: age };
}

/** Which fields of a provider's result object hold what; `pageAge` fields are tried in order. */
export interface ResultFields {
  url: string;
  title: string;
  snippet: string;
  pageAge?: string[];
}

/** Maps a provider's result array (anything else counts as no results); entries without an http(s) URL are skipped. */
export function mapResults(list: unknown, f: ResultFields): SearchResult[] {
  if (!Array.isArray(list)) return [];
  const out: SearchResult[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const r = item as Record<string, unknown>;
    const age = (f.pageAge ?? []).map((k) => r[k]).find((v) => typeof v === 'string' && v.trim() !== '');
    const result = toResult(r[f.url], r[f.title], r[f.snippet], age);
    if (result) out.push(result);
  }
  return out;
}

/** A JSON answer must be an object; `field` of it is returned (undefined when absent). */
export function field(body: unknown, provider: string, ...path: string[]): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SearchError('unavailable', `${provider}: unexpected answer (not a JSON object)`);
  let v: unknown = body;
  for (const key of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** Domain filter, duplicate URLs dropped, at most maxResults. */
export function finishResults(results: SearchResult[], p: PreparedQuery): SearchResult[] {
  const seen = new Set<string>();
  const out: SearchResult[] = [];
  for (const r of results) {
    if (seen.has(r.url) || !domainAllowed(r.url, p)) continue;
    seen.add(r.url);
    out.push(r);
    if (out.length >= p.maxResults) break;
  }
  return out;
}

/** A SearchProvider from the provider-specific fetch: query checks before it, result filtering after it. */
export function makeProvider(name: string, fetch: (p: PreparedQuery, signal?: AbortSignal) => Promise<SearchResult[]>): SearchProvider {
  return {
    name,
    async search(q, signal) {
      const p = prepareQuery(q);
      return finishResults(await fetch(p, signal), p);
    },
  };
}
