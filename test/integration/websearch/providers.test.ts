import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createProvider, SearchError, type ProviderConfig, type ProviderKind, type SearchResult } from '../../../src/websearch/provider.js';
import { startLoopback, type Loopback, type Recorded } from './loopback.js';

/**
 * Every provider against a loopback server replaying its documented answer format
 * (test/fixtures/websearch): the request it sends, the results it parses, domain filters, and the
 * mapping of rate limits, server errors, timeouts and bad answers to SearchError codes.
 */

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/websearch/${name}`, import.meta.url), 'utf8');
const QUERY = 'node.js release schedule';

interface Case {
  kind: ProviderKind;
  apiKey?: string;
  /** The provider url, from the loopback base. */
  url?: (base: string) => string;
  fixture: string;
  contentType: string;
  /** The request the provider must send: method, path, headers, and query parameters or JSON body fields. */
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  body?: Record<string, unknown>;
  /** Where the query text travels: a query parameter or a JSON body field. */
  queryIn: { param: string } | { field: string };
  first: SearchResult;
  secondPageAge: string | null;
}

const json = (r: Recorded) => JSON.parse(r.body) as Record<string, unknown>;
const FIRST = { url: 'https://nodejs.org/en/about/previous-releases', title: 'Node.js Releases' };
const SNIPPET = 'Major Node.js versions enter Current release status for six months, then move to LTS.';
const SNIPPET_HTML = 'Major Node.js versions enter Current release status for six months & then move to LTS.';

const cases: Case[] = [
  {
    kind: 'brave',
    apiKey: 'BSA-brave-secret-0001',
    fixture: 'brave.json',
    contentType: 'application/json',
    method: 'GET',
    path: '/res/v1/web/search',
    headers: { 'x-subscription-token': 'BSA-brave-secret-0001' },
    params: { count: '5', result_filter: 'web' },
    queryIn: { param: 'q' },
    first: { ...FIRST, snippet: SNIPPET_HTML, pageAge: '2025-04-22T00:00:00' },
    secondPageAge: '3 days ago',
  },
  {
    kind: 'tavily',
    apiKey: 'tvly-tavily-secret-0002',
    fixture: 'tavily.json',
    contentType: 'application/json',
    method: 'POST',
    path: '/search',
    headers: { authorization: 'Bearer tvly-tavily-secret-0002', 'content-type': 'application/json' },
    body: { api_key: 'tvly-tavily-secret-0002', max_results: 5, search_depth: 'basic', topic: 'general' },
    queryIn: { field: 'query' },
    first: { ...FIRST, snippet: SNIPPET, pageAge: 'Tue, 22 Apr 2025 00:00:00 GMT' },
    secondPageAge: null,
  },
  {
    kind: 'serper',
    apiKey: 'serper-secret-0003',
    fixture: 'serper.json',
    contentType: 'application/json',
    method: 'POST',
    path: '/search',
    headers: { 'x-api-key': 'serper-secret-0003', 'content-type': 'application/json' },
    body: { num: 5 },
    queryIn: { field: 'q' },
    first: { ...FIRST, snippet: SNIPPET, pageAge: 'Apr 22, 2025' },
    secondPageAge: null,
  },
  {
    kind: 'searxng',
    url: (base) => `${base}/searx/`,
    fixture: 'searxng.json',
    contentType: 'application/json',
    method: 'GET',
    path: '/searx/search',
    params: { format: 'json' },
    queryIn: { param: 'q' },
    first: { ...FIRST, snippet: SNIPPET, pageAge: '2025-04-22T00:00:00' },
    secondPageAge: null,
  },
  {
    kind: 'duckduckgo',
    fixture: 'duckduckgo.html',
    contentType: 'text/html; charset=UTF-8',
    method: 'GET',
    path: '/html/',
    headers: { accept: 'text/html' },
    queryIn: { param: 'q' },
    first: { ...FIRST, snippet: SNIPPET_HTML, pageAge: null },
    secondPageAge: null,
  },
  {
    kind: 'custom',
    apiKey: 'custom-secret-0004',
    url: (base) => `${base}/api/search`,
    fixture: 'custom.json',
    contentType: 'application/json',
    method: 'GET',
    path: '/api/search',
    headers: { authorization: 'Bearer custom-secret-0004' },
    queryIn: { param: 'q' },
    first: { ...FIRST, snippet: SNIPPET, pageAge: 'April 22, 2025' },
    secondPageAge: null,
  },
];

/** Checks the request shape; returns the query text the provider received. */
function checkRequest(c: Case, r: Recorded): string {
  assert.equal(r.method, c.method);
  assert.equal(r.path, c.path);
  for (const [name, value] of Object.entries(c.headers ?? {})) assert.equal(r.headers[name], value, name);
  for (const [name, value] of Object.entries(c.params ?? {})) assert.equal(r.query.get(name), value, name);
  const body = c.method === 'POST' ? json(r) : {};
  for (const [name, value] of Object.entries(c.body ?? {})) assert.deepEqual(body[name], value, name);
  return 'param' in c.queryIn ? r.query.get(c.queryIn.param)! : String(body[c.queryIn.field]);
}

let server: Loopback;
before(async () => {
  server = await startLoopback();
});
after(async () => {
  await server.close();
});

function provider(c: Case, extra: Partial<ProviderConfig> = {}) {
  return createProvider({ kind: c.kind, apiKey: c.apiKey, url: c.url ? c.url(server.url) : server.url, allowPrivateAddresses: true, ...extra });
}

async function searchError(p: Promise<unknown>): Promise<SearchError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SearchError, `expected a SearchError, got ${String(err)}`);
    return err;
  }
  assert.fail('the search did not fail');
}

function noSecret(c: Case, err: Error) {
  if (c.apiKey) {
    assert.ok(!err.message.includes(c.apiKey), `the API key leaked into: ${err.message}`);
    assert.ok(!String(err.stack).includes(c.apiKey));
  }
}

for (const c of cases) {
  describe(`${c.kind} provider`, { concurrency: false }, () => {
    const ok = () => ({ status: 200, contentType: c.contentType, body: fixture(c.fixture) });

    test('sends the documented request and parses the documented answer', async () => {
      server.reply(ok());
      const results = await provider(c).search({ query: QUERY });
      assert.equal(server.requests.length, 1);
      assert.equal(checkRequest(c, server.requests[0]!), QUERY);
      assert.deepEqual(results[0], c.first);
      assert.equal(results[1]!.pageAge, c.secondPageAge);
      assert.deepEqual(
        results.map((r) => new URL(r.url).hostname),
        ['nodejs.org', 'github.com', 'blog.example.org'],
      );
    });

    test('passes domain filters on and filters the results afterwards', async () => {
      server.reply(ok());
      const blocked = await provider(c).search({ query: QUERY, blockedDomains: ['example.org'] });
      const sent = checkRequest(c, server.requests[0]!);
      if (c.kind === 'tavily') assert.deepEqual([sent, json(server.requests[0]!).exclude_domains], [QUERY, ['example.org']]);
      else assert.equal(sent, `${QUERY} -site:example.org`);
      assert.deepEqual(
        blocked.map((r) => new URL(r.url).hostname),
        ['nodejs.org', 'github.com'],
      );

      server.reply(ok());
      const allowed = await provider(c).search({ query: QUERY, allowedDomains: ['https://NodeJS.org/'] });
      const r = server.requests[0]!;
      if (c.kind === 'tavily') assert.deepEqual(json(r).include_domains, ['nodejs.org']);
      else assert.equal(checkRequest(c, r), `${QUERY} site:nodejs.org`);
      assert.deepEqual(
        allowed.map((x) => x.url),
        ['https://nodejs.org/en/about/previous-releases'],
      );
    });

    test('maxResults caps the results', async () => {
      server.reply(ok());
      assert.equal((await provider(c).search({ query: QUERY, maxResults: 1 })).length, 1);
    });

    test('429 is too_many_requests after the retry, without the key in the message', async () => {
      server.reply({ status: 429, body: `{"error":"rate limited for ${c.apiKey ?? 'x'}"}` });
      const err = await searchError(provider(c).search({ query: QUERY }));
      assert.equal(err.code, 'too_many_requests');
      assert.equal(server.requests.length, 2);
      noSecret(c, err);
    });

    test('a 500 then a 200 is retried into a success', async () => {
      server.reply({ status: 500, body: 'oops' }, ok());
      const results = await provider(c).search({ query: QUERY });
      assert.equal(results[0]!.url, c.first.url);
      assert.equal(server.requests.length, 2);
    });

    test('401 is unavailable at once (no retry), without the key in the message', async () => {
      server.reply({ status: 401, body: '{"message":"invalid key"}' });
      const err = await searchError(provider(c).search({ query: QUERY }));
      assert.equal(err.code, 'unavailable');
      assert.equal(server.requests.length, 1);
      noSecret(c, err);
    });

    test('a timeout is unavailable, within bounded time', async () => {
      server.reply({ ...ok(), delayMs: 3_000 });
      const started = Date.now();
      const err = await searchError(provider(c, { timeoutMs: 150 }).search({ query: QUERY }));
      assert.equal(err.code, 'unavailable');
      assert.match(err.message, /150 ms/);
      assert.ok(Date.now() - started < 1_500, `took ${Date.now() - started} ms`);
      noSecret(c, err);
    });

    test('a query over 400 characters is query_too_long, before any request', async () => {
      server.reply(ok());
      const err = await searchError(provider(c).search({ query: 'x'.repeat(401) }));
      assert.equal(err.code, 'query_too_long');
      assert.equal(server.requests.length, 0);
    });

    test('without allowPrivateAddresses the loopback URL is refused before any request', async () => {
      server.reply(ok());
      const err = await searchError(provider(c, { allowPrivateAddresses: false }).search({ query: QUERY }));
      assert.equal(err.code, 'unavailable');
      assert.match(err.message, /refused provider URL: 127\.0\.0\.1 is a loopback, private/);
      assert.equal(server.requests.length, 0);
    });

    if (c.contentType === 'application/json') {
      test('an answer that is not JSON is unavailable', async () => {
        server.reply({ status: 200, contentType: 'text/html', body: '<html>maintenance</html>' });
        const err = await searchError(provider(c).search({ query: QUERY }));
        assert.equal(err.code, 'unavailable');
        assert.match(err.message, /not JSON/);
      });
    }
  });
}

describe('provider specifics', { concurrency: false }, () => {
  const brave = cases[0]!;
  const serper = cases[2]!;

  test('brave sends the user location as X-Loc headers', async () => {
    server.reply({ status: 200, body: fixture('brave.json') });
    await provider(brave).search({ query: QUERY, userLocation: { city: 'Berlin', region: 'Berlin', country: 'de', timezone: 'Europe/Berlin' } });
    const h = server.requests[0]!.headers;
    assert.deepEqual([h['x-loc-city'], h['x-loc-state-name'], h['x-loc-country'], h['x-loc-timezone']], ['Berlin', 'Berlin', 'DE', 'Europe/Berlin']);
  });

  test('serper sends the user country as gl', async () => {
    server.reply({ status: 200, body: fixture('serper.json') });
    await provider(serper).search({ query: QUERY, userLocation: { country: 'GB' } });
    assert.equal(json(server.requests[0]!).gl, 'gb');
  });

  test('custom replaces a {query} placeholder in its URL', async () => {
    server.reply({ status: 200, body: fixture('custom.json') });
    const p = createProvider({ kind: 'custom', url: `${server.url}/s/{query}/json?lang=en`, allowPrivateAddresses: true });
    await p.search({ query: 'a/b & c' });
    const r = server.requests[0]!;
    assert.equal(r.path, `/s/${encodeURIComponent('a/b & c')}/json`);
    assert.equal(r.query.get('lang'), 'en');
    assert.equal(r.headers.authorization, undefined);
  });

  test('duckduckgo: a 202 challenge page is too_many_requests', async () => {
    server.reply({ status: 202, contentType: 'text/html', body: '<html><div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div></html>' });
    const err = await searchError(createProvider({ kind: 'duckduckgo', url: server.url, allowPrivateAddresses: true }).search({ query: QUERY }));
    assert.equal(err.code, 'too_many_requests');
  });

  test('a refused connection is retried, then unavailable', async () => {
    const gone = await startLoopback();
    const url = gone.url;
    await gone.close();
    const started = Date.now();
    const err = await searchError(createProvider({ kind: 'brave', apiKey: 'k-secret', url, allowPrivateAddresses: true }).search({ query: QUERY }));
    assert.equal(err.code, 'unavailable');
    assert.match(err.message, /cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
    assert.ok(Date.now() - started >= 200, 'the retry waits a short backoff');
  });

  test("the caller's abort rejects with its reason, not a SearchError", async () => {
    server.reply({ status: 200, body: fixture('brave.json'), delayMs: 2_000 });
    const ac = new AbortController();
    const pending = provider(brave).search({ query: QUERY }, ac.signal);
    setTimeout(() => ac.abort(new Error('client went away')), 50);
    await assert.rejects(pending, /client went away/);
  });

  test('retries: 0 makes a single attempt', async () => {
    server.reply({ status: 503 });
    const err = await searchError(provider(brave, { retries: 0 }).search({ query: QUERY }));
    assert.equal(err.code, 'unavailable');
    assert.equal(server.requests.length, 1);
  });
});
