import { createHttpClient, type HttpClient } from './http.js';
import { createBrave } from './providers/brave.js';
import { createCustom } from './providers/custom.js';
import { createDuckDuckGo } from './providers/duckduckgo.js';
import { createSearxng } from './providers/searxng.js';
import { createSerper } from './providers/serper.js';
import { createTavily } from './providers/tavily.js';
import type { ProviderConfig, ProviderKind, SearchProvider } from './types.js';

export * from './types.js';
export { assertPublicUrl, UnsafeUrlError } from './url-guard.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRIES = 1;

interface KindSpec {
  needsKey: boolean;
  needsUrl: boolean;
  create(c: ProviderConfig, http: HttpClient): SearchProvider;
}

const KINDS: Record<ProviderKind, KindSpec> = {
  duckduckgo: { needsKey: false, needsUrl: false, create: createDuckDuckGo },
  brave: { needsKey: true, needsUrl: false, create: createBrave },
  tavily: { needsKey: true, needsUrl: false, create: createTavily },
  serper: { needsKey: true, needsUrl: false, create: createSerper },
  searxng: { needsKey: false, needsUrl: true, create: createSearxng },
  custom: { needsKey: false, needsUrl: true, create: createCustom },
};

export const PROVIDER_KINDS = Object.keys(KINDS) as ProviderKind[];

/**
 * A search provider from its configuration. Throws (a plain Error, at configuration time) when the
 * kind is unknown, a required apiKey or url is missing, or the url is not http(s). Unless
 * `allowPrivateAddresses`, every request first passes the SSRF guard (url-guard.ts).
 */
export function createProvider(c: ProviderConfig): SearchProvider {
  const spec = Object.hasOwn(KINDS, c.kind) ? KINDS[c.kind] : undefined;
  if (!spec) throw new Error(`unknown search provider kind ${JSON.stringify(c.kind)}; one of: ${PROVIDER_KINDS.join(', ')}`);
  if (spec.needsKey && !c.apiKey) throw new Error(`the ${c.kind} search provider needs an API key`);
  if (spec.needsUrl && !c.url) throw new Error(`the ${c.kind} search provider needs a url`);
  if (c.url !== undefined) {
    let protocol: string;
    try {
      protocol = new URL(c.url.replace('{query}', 'q')).protocol;
    } catch {
      throw new Error(`the ${c.kind} search provider url is not a valid URL`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`the ${c.kind} search provider url must be http or https`);
  }
  const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = c.retries ?? DEFAULT_RETRIES;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('timeoutMs must be a positive number');
  if (!Number.isInteger(retries) || retries < 0) throw new Error('retries must be a non-negative integer');
  const http = createHttpClient({
    provider: c.kind,
    timeoutMs,
    retries,
    allowPrivate: c.allowPrivateAddresses === true,
    secrets: c.apiKey ? [c.apiKey, encodeURIComponent(c.apiKey)] : [],
  });
  return spec.create(c, http);
}
