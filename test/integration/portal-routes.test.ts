import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { portalCsp, portalDir } from '../../src/server/portal-routes.js';
import { http, useTestGateway } from '../helpers/gateway.js';

// Serves the build of `npm run build` (dist/portal), like /setup/ccag.tgz.
const env = useTestGateway();
const assets = readdirSync(fileURLToPath(new URL('assets/', portalDir)));

function assertSecurityHeaders(headers: Record<string, unknown>, what: string): void {
  assert.equal(headers['content-security-policy'], portalCsp, what);
  assert.equal(headers['x-content-type-options'], 'nosniff', what);
  assert.equal(headers['referrer-policy'], 'same-origin', what);
}

test('the portal page: no-cache, a strict CSP, and scripts only from the gateway', async () => {
  const res = await http(`${env.gw.url}/portal/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'no-cache');
  assertSecurityHeaders(res.headers, 'index.html');
  assert.match(portalCsp, /default-src 'self'/);
  assert.match(portalCsp, /frame-ancestors 'none'/);
  assert.doesNotMatch(portalCsp, /unsafe-inline|unsafe-eval|https?:/, 'no inline code, no other origin');
  const scripts = [...(res.body as string).matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]![1]!, /src="\/portal\/assets\/portal-[A-Z0-9]+\.js"/);
  assert.equal(scripts[0]![2], '', 'no inline script');
  assert.doesNotMatch(res.body, /https?:\/\//, 'nothing from a CDN');
});

test('client routes get the same page; /portal redirects to /portal/', async () => {
  const index = (await http(`${env.gw.url}/portal/`)).body;
  for (const path of ['/portal/keys', '/portal/analytics', '/portal/teams/deep/link']) {
    const res = await http(`${env.gw.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.body, index, path);
  }
  const bare = await http(`${env.gw.url}/portal`);
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.location, '/portal/');
});

test('hashed assets are cached for a year; a missing file is a 404, not the page', async () => {
  const js = assets.find((f) => f.endsWith('.js'))!;
  const css = assets.find((f) => f.endsWith('.css'))!;
  for (const [file, type] of [
    [js, 'text/javascript; charset=utf-8'],
    [css, 'text/css; charset=utf-8'],
  ] as const) {
    const res = await http(`${env.gw.url}/portal/assets/${file}`);
    assert.equal(res.status, 200, file);
    assert.equal(res.headers['content-type'], type);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assertSecurityHeaders(res.headers, file);
  }
  for (const path of ['/portal/assets/portal-OLDHASH.js', '/portal/favicon.ico']) {
    const res = await http(`${env.gw.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.equal(res.body.error.type, 'not_found_error');
  }
});
