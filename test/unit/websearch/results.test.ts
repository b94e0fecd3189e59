import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanText, domainAllowed, hostMatches, mapResults, normalizeDomain, prepareQuery, withSiteOperators } from '../../../src/websearch/results.js';
import { SearchError } from '../../../src/websearch/provider.js';

test('queries are checked before anything is sent', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof SearchError);
      return err.code;
    }
    return 'ok';
  };
  assert.equal(code(() => prepareQuery({ query: 'x'.repeat(400) })), 'ok');
  assert.equal(code(() => prepareQuery({ query: 'x'.repeat(401) })), 'query_too_long');
  assert.equal(code(() => prepareQuery({ query: '   ' })), 'invalid_tool_input');
  assert.equal(code(() => prepareQuery({ query: 'x', maxResults: 0 })), 'invalid_tool_input');
  assert.equal(prepareQuery({ query: ' x ' }).maxResults, 5);
  assert.equal(prepareQuery({ query: 'x', maxResults: 50 }).maxResults, 20);
});

test('domains are normalised and match subdomains, not look-alikes', () => {
  assert.equal(normalizeDomain('https://WWW.Example.com:443/path?q'), 'www.example.com');
  assert.equal(normalizeDomain('*.example.com.'), 'example.com');
  assert.equal(hostMatches('https://docs.example.com/x', 'example.com'), true);
  assert.equal(hostMatches('https://example.com/', 'example.com'), true);
  assert.equal(hostMatches('https://badexample.com/', 'example.com'), false);
  assert.equal(hostMatches('https://example.com.evil.net/', 'example.com'), false);
  const p = prepareQuery({ query: 'q', allowedDomains: ['example.com', 'nodejs.org'], blockedDomains: ['ads.example.com'] });
  assert.equal(domainAllowed('https://www.example.com/', p), true);
  assert.equal(domainAllowed('https://ads.example.com/', p), false);
  assert.equal(domainAllowed('https://github.com/', p), false);
  assert.equal(withSiteOperators(p), 'q (site:example.com OR site:nodejs.org) -site:ads.example.com');
});

test('result mapping skips entries without an http(s) URL and cleans markup', () => {
  const results = mapResults(
    [
      { u: 'javascript:alert(1)', t: 'x', s: 'y' },
      { u: 'https://a.example/', t: '<strong>A</strong> &amp; B', s: ' one\n two ', d: '' , e: 'yesterday' },
      { t: 'no url' },
      null,
      { u: 'https://b.example/', s: 's' },
    ],
    { url: 'u', title: 't', snippet: 's', pageAge: ['d', 'e'] },
  );
  assert.deepEqual(results, [
    { url: 'https://a.example/', title: 'A & B', snippet: 'one two', pageAge: 'yesterday' },
    { url: 'https://b.example/', title: 'https://b.example/', snippet: 's', pageAge: null },
  ]);
  assert.deepEqual(mapResults({ not: 'a list' }, { url: 'u', title: 't', snippet: 's' }), []);
  assert.equal(cleanText('caf&eacute; &#233; &#xe9; &lt;b&gt;'), 'caf&eacute; é é <b>');
});
