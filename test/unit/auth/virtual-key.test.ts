import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { generateVirtualKey, isVirtualKey } from '../../../src/auth/virtual-key.js';
import { generateSessionToken, isSessionToken } from '../../../src/auth/session-token.js';

test('keys are sk-ccag- and 43 base62 characters, stored as SHA-256, with a 14-character visible prefix', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const k = generateVirtualKey();
    assert.match(k.key, /^sk-ccag-[0-9A-Za-z]{43}$/);
    assert.equal(k.prefix, k.key.slice(0, 14));
    assert.equal(k.hash, createHash('sha256').update(k.key).digest('hex'));
    assert.ok(isVirtualKey(k.key));
    seen.add(k.key);
  }
  assert.equal(seen.size, 200);
  assert.equal(isVirtualKey('sk-ccag-short'), false);
  assert.equal(isVirtualKey(generateVirtualKey().key + 'x'), false);
});

test('session tokens are told apart from keys', () => {
  const s = generateSessionToken();
  assert.ok(isSessionToken(s.token));
  assert.equal(isVirtualKey(s.token), false);
  assert.equal(isSessionToken(generateVirtualKey().key), false);
});
