/**
 * The search provider API that the web search loop calls (issue 8). `provider.ts` re-exports all
 * of this with `createProvider`; the types live here so that the provider files can import them
 * without an import cycle through `provider.ts`.
 */

export interface SearchQuery {
  query: string;
  allowedDomains?: string[];
  blockedDomains?: string[];
  userLocation?: { city?: string; region?: string; country?: string; timezone?: string };
  /** Default 5. */
  maxResults?: number;
}

export interface SearchResult {
  url: string;
  title: string;
  snippet: string;
  /** The provider's date or age text for the page ("2 days ago", "2025-03-01T…"), or null. */
  pageAge: string | null;
}

/** The `web_search_tool_result_error` codes a provider failure maps to (protocols.md 1.7). */
export type SearchErrorCode = 'too_many_requests' | 'unavailable' | 'query_too_long' | 'invalid_tool_input';

/** A search that failed in a way the loop reports in the result block (HTTP status stays 200). */
export class SearchError extends Error {
  override readonly name = 'SearchError';
  constructor(
    readonly code: SearchErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SearchProvider {
  readonly name: string;
  /** Rejects with SearchError, or with the signal's reason when `signal` aborts. */
  search(q: SearchQuery, signal?: AbortSignal): Promise<SearchResult[]>;
}

export type ProviderKind = 'duckduckgo' | 'brave' | 'tavily' | 'serper' | 'searxng' | 'custom';

export interface ProviderConfig {
  kind: ProviderKind;
  apiKey?: string;
  /** Base URL replacing the provider's public one (required for searxng and custom). */
  url?: string;
  /** Per attempt; default 10 000. */
  timeoutMs?: number;
  /** Extra attempts after a 5xx, 429 or connection error; default 1. */
  retries?: number;
  /** Skip the SSRF guard (loopback/private provider URLs). Off by default. */
  allowPrivateAddresses?: boolean;
}
