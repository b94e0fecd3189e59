import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretBox, loadOrCreateSecretKeyFile } from '../../../src/auth/secret-key.js';

test('stored secrets round-trip, and survive a key rotation with the previous key', () => {
  const old = new SecretBox('an-old-secret-key-of-at-least-32-characters');
  const sealed = old.encrypt('client-secret-123');
  assert.equal(sealed.includes('client-secret'), false);
  assert.equal(old.decrypt(sealed), 'client-secret-123');
  const rotated = new SecretBox('a-new-secret-key-of-at-least-32-characters!', 'an-old-secret-key-of-at-least-32-characters');
  assert.equal(rotated.decrypt(sealed), 'client-secret-123');
  assert.equal(rotated.decrypt(rotated.encrypt('x')), 'x');
  assert.throws(() => new SecretBox('a-new-secret-key-of-at-least-32-characters!').decrypt(sealed), /CCAG_SECRET_KEY changed/);
  assert.throws(() => old.decrypt(sealed.slice(0, -4) + 'AAAA'), /could not be decrypted/);
});

test('the embedded secret key is generated once, 0600', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ccag-key-')), 'data');
  const first = loadOrCreateSecretKeyFile(dir);
  assert.equal(Buffer.from(first, 'base64').length, 32);
  assert.equal(loadOrCreateSecretKeyFile(dir), first);
  assert.equal(statSync(join(dir, 'secret-key')).mode & 0o777, 0o600);
});
