import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../../src/auth/password.js';

test('scrypt hashes verify the right password only, with a fresh salt each time', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$32768\$8\$1\$/);
  assert.notEqual(a, b);
  assert.equal(a.includes('correct'), false);
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('', a), false);
});

test('the dummy hash used for unknown users matches nothing and garbage is rejected', async () => {
  assert.equal(await verifyPassword('anything', dummyPasswordHash), false);
  assert.equal(await verifyPassword('x', 'plaintext'), false);
});
