import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertPublicUrl, guardedLookup, isPrivateAddress, UnsafeUrlError } from '../../../src/websearch/url-guard.js';

test('internal addresses are refused with a clear message', async () => {
  for (const url of [
    'http://127.0.0.1/search',
    'http://127.1.2.3:8080/',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.5/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://[::1]/',
    'http://[::]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://0x7f.1/',
    'http://2130706433/',
    'http://localhost:8080/',
  ]) {
    await assert.rejects(assertPublicUrl(url), (err: Error) => {
      assert.ok(err instanceof UnsafeUrlError, url);
      assert.match(err.message, /loopback, private, link-local or otherwise internal address/, url);
      return true;
    });
  }
});

test('public addresses pass (IP literals need no network)', async () => {
  await assertPublicUrl('https://93.184.216.34/search?q=x');
  await assertPublicUrl('http://8.8.8.8:8080/');
  await assertPublicUrl('https://[2606:4700:4700::1111]/dns-query');
  await assertPublicUrl('http://172.32.0.1/'); // just outside 172.16/12
  await assertPublicUrl('http://100.128.0.1/'); // just outside 100.64/10
});

test('only http and https are allowed, even with allowPrivate', async () => {
  for (const url of ['file:///etc/passwd', 'ftp://93.184.216.34/', 'gopher://93.184.216.34/', 'not a url']) {
    await assert.rejects(assertPublicUrl(url, { allowPrivate: true }), UnsafeUrlError, url);
  }
});

test('allowPrivate lets internal addresses through', async () => {
  await assertPublicUrl('http://127.0.0.1:9/', { allowPrivate: true });
  await assertPublicUrl('http://localhost/', { allowPrivate: true });
  await assertPublicUrl('http://[::1]/', { allowPrivate: true });
});

test('isPrivateAddress', () => {
  assert.equal(isPrivateAddress('169.254.169.254'), true);
  assert.equal(isPrivateAddress('fc00::1'), true);
  assert.equal(isPrivateAddress('64:ff9b::a00:1'), true);
  assert.equal(isPrivateAddress('not-an-ip'), true);
  assert.equal(isPrivateAddress('93.184.216.34'), false);
  assert.equal(isPrivateAddress('2a00:1450:4001:80b::200e'), false);
});

test('the connect-time lookup refuses a name that resolves to an internal address (DNS rebinding)', async () => {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup('localhost', {}, (e) => resolve(e)));
  assert.equal(err?.code, 'ERR_SSRF_BLOCKED');
  assert.match(err!.message, /localhost \((127\.0\.0\.1|::1)\)/);
});
