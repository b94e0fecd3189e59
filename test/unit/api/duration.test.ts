import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../../src/api/duration.js';

test('durations as admins type them', () => {
  assert.equal(parseDuration('45s'), 45_000);
  assert.equal(parseDuration('90m'), 90 * 60_000);
  assert.equal(parseDuration('12h'), 12 * 3_600_000);
  assert.equal(parseDuration('30d'), 30 * 86_400_000);
  assert.equal(parseDuration('2w'), 14 * 86_400_000);
  assert.equal(parseDuration('0s'), 0);
});

test('anything else is not a duration', () => {
  for (const bad of ['', '30', 'd', '1.5h', '-1d', '10y', '1d2h', '30 days']) assert.equal(parseDuration(bad), undefined, bad);
});
