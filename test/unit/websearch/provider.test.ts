import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProvider, PROVIDER_KINDS, SearchError, type ProviderConfig } from '../../../src/websearch/provider.js';

test('every kind can be created with what it needs, and is named after its kind', () => {
  assert.deepEqual(PROVIDER_KINDS, ['duckduckgo', 'brave', 'tavily', 'serper', 'searxng', 'custom']);
  for (const kind of PROVIDER_KINDS) {
    const p = createProvider({ kind, apiKey: 'k', url: 'https://search.example.com/' });
    assert.equal(p.name, kind);
  }
});

test('configuration mistakes are refused when the provider is created', () => {
  const bad: [ProviderConfig, RegExp][] = [
    [{ kind: 'brave' }, /needs an API key/],
    [{ kind: 'tavily' }, /needs an API key/],
    [{ kind: 'serper', apiKey: '' }, /needs an API key/],
    [{ kind: 'searxng' }, /needs a url/],
    [{ kind: 'custom' }, /needs a url/],
    [{ kind: 'custom', url: 'file:///etc/passwd' }, /must be http or https/],
    [{ kind: 'searxng', url: 'not a url' }, /not a valid URL/],
    [{ kind: 'bing' } as unknown as ProviderConfig, /unknown search provider kind "bing"/],
    [{ kind: 'duckduckgo', timeoutMs: 0 }, /timeoutMs/],
    [{ kind: 'duckduckgo', retries: -1 }, /retries/],
  ];
  for (const [config, message] of bad) assert.throws(() => createProvider(config), message, JSON.stringify(config));
});

test('SearchError carries its code', () => {
  const e = new SearchError('unavailable', 'down');
  assert.equal(e.code, 'unavailable');
  assert.equal(e.name, 'SearchError');
  assert.ok(e instanceof Error);
});

test('an internal provider URL is refused at search time unless allowed, without any request', async () => {
  const p = createProvider({ kind: 'searxng', url: 'http://169.254.169.254/' });
  await assert.rejects(p.search({ query: 'x' }), (err: SearchError) => err.code === 'unavailable' && /169\.254\.169\.254 is a loopback, private, link-local/.test(err.message));
});
