import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { AwsCredentialIdentity } from '@smithy/types';
import { endpointCredentialsSchema, refreshBeforeExpiry } from '../../../src/routing/credentials.js';

test('the schema takes the default chain, static keys, or an AssumeRole with what STS accepts', () => {
  const role = 'arn:aws:iam::123456789012:role/path/Bedrock-Caller';
  for (const valid of [
    { type: 'default' },
    { type: 'static', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    { type: 'assume_role', roleArn: role },
    { type: 'assume_role', roleArn: 'arn:aws-us-gov:iam::123456789012:role/R', externalId: 'tenant:7/a=b', sessionName: 'ccag-gw1', durationSeconds: 900 },
  ]) {
    assert.deepEqual(endpointCredentialsSchema.parse(valid), valid);
  }
  for (const invalid of [
    { type: 'assume_role', roleArn: 'arn:aws:iam::12345:role/R' },
    { type: 'assume_role', roleArn: 'arn:aws:iam::123456789012:user/R' },
    { type: 'assume_role', roleArn: role, externalId: 'x' },
    { type: 'assume_role', roleArn: role, externalId: 'has space' },
    { type: 'assume_role', roleArn: role, sessionName: 'a'.repeat(65) },
    { type: 'assume_role', roleArn: role, sessionName: 'no/slash' },
    { type: 'assume_role', roleArn: role, durationSeconds: 899 },
    { type: 'assume_role', roleArn: role, durationSeconds: 43201 },
    { type: 'static', accessKeyId: 'AKIAEXAMPLE' },
    { type: 'default', roleArn: role },
    { type: 'sso' },
  ]) {
    assert.equal(endpointCredentialsSchema.safeParse(invalid).success, false, JSON.stringify(invalid));
  }
});

test('credentials are kept until min(5 minutes, half their lifetime) is left, then fetched again once for all callers', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 0 });
  const lifetimes = [3_600_000, 4_000, 4_000];
  const fetched: AwsCredentialIdentity[] = [];
  const source = mock.fn(async () => {
    const identity = { accessKeyId: `ASIA${fetched.length}`, secretAccessKey: 's', expiration: new Date(Date.now() + lifetimes[fetched.length]!) };
    fetched.push(identity);
    return identity;
  });
  const provider = refreshBeforeExpiry(source);

  assert.equal((await provider()).accessKeyId, 'ASIA0');
  t.mock.timers.tick(3_300_000 - 1); // an hour's credentials: renewed 5 minutes before expiry
  assert.equal((await provider()).accessKeyId, 'ASIA0');
  t.mock.timers.tick(1);
  const [a, b] = await Promise.all([provider(), provider()]);
  assert.equal(a.accessKeyId, 'ASIA1');
  assert.equal(b.accessKeyId, 'ASIA1');
  assert.equal(source.mock.callCount(), 2);

  t.mock.timers.tick(2_000 - 1); // 4 s credentials: renewed with 2 s left
  assert.equal((await provider()).accessKeyId, 'ASIA1');
  t.mock.timers.tick(1);
  assert.equal((await provider()).accessKeyId, 'ASIA2');
});

test('credentials without an expiry are fetched once; a failed fetch is retried by the next caller', async () => {
  let attempts = 0;
  const provider = refreshBeforeExpiry(async () => {
    attempts++;
    if (attempts === 1) throw new Error('STS is unreachable');
    return { accessKeyId: 'AKIA', secretAccessKey: 's' };
  });
  await assert.rejects(provider(), /STS is unreachable/);
  assert.equal((await provider()).accessKeyId, 'AKIA');
  assert.equal((await provider()).accessKeyId, 'AKIA');
  assert.equal(attempts, 2);
});
