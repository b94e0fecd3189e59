import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseDuckDuckGoHtml, resolveDuckDuckGoHref } from '../../../src/websearch/providers/duckduckgo.js';

const page = readFileSync(new URL('../../fixtures/websearch/duckduckgo.html', import.meta.url), 'utf8');

test('the results page is parsed in order, ads skipped, redirect links decoded, markup cleaned', () => {
  assert.deepEqual(parseDuckDuckGoHtml(page), [
    {
      url: 'https://nodejs.org/en/about/previous-releases',
      title: 'Node.js Releases',
      snippet: 'Major Node.js versions enter Current release status for six months & then move to LTS.',
      pageAge: null,
    },
    {
      url: 'https://github.com/nodejs/Release?tab=readme&x=1',
      title: 'nodejs/Release: Node.js Release Working Group',
      snippet: 'The release schedule of the Node.js project — dates & phases.',
      pageAge: null,
    },
    { url: 'https://blog.example.org/node-release', title: 'When is the next Node.js release?', snippet: 'A blog post about the Node.js release calendar.', pageAge: null },
  ]);
});

test('redirect links', () => {
  assert.equal(resolveDuckDuckGoHref('//duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.com%2Fa%3Fb%3D1%26c%3D2&rut=abc'), 'https://example.com/a?b=1&c=2');
  assert.equal(resolveDuckDuckGoHref('/l/?uddg=https%3A%2F%2Fexample.com%2F'), 'https://example.com/');
  assert.equal(resolveDuckDuckGoHref('https://example.com/direct'), 'https://example.com/direct');
  assert.equal(resolveDuckDuckGoHref('https://duckduckgo.com/y.js?ad_domain=x'), undefined);
});

test('an empty or unrelated page gives no results, and a result without a snippet keeps its title', () => {
  assert.deepEqual(parseDuckDuckGoHtml('<html><body><div class="no-results">No results.</div></body></html>'), []);
  assert.deepEqual(parseDuckDuckGoHtml('<div class="result"><a class="result__a" href="https://example.com/">Only a title</a></div>'), [
    { url: 'https://example.com/', title: 'Only a title', snippet: '', pageAge: null },
  ]);
});
