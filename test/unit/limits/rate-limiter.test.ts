import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryRateLimiter, slidingCount } from '../../../src/limits/rate-limiter.js';
import { periodEnd, periodOf, periodStart } from '../../../src/limits/periods.js';

const minute = 60_000;
const t0 = 1_800_000_000_000 - (1_800_000_000_000 % minute); // the start of a minute

test('requests a minute: the limit holds in a sliding window, with retry-after', async () => {
  const limiter = new MemoryRateLimiter();
  const subject = [{ id: 'key:a', rpm: 3, tpm: null, concurrency: null }];
  for (let i = 0; i < 3; i++) {
    await limiter.admit(subject, `r${i}`, t0 + 1000);
    limiter.finish(subject, `r${i}`, 10, t0 + 1000);
  }
  await assert.rejects(limiter.admit(subject, 'r3', t0 + 2000), (e: any) => e.type === 'rate_limit_error' && e.headers['retry-after'] === '58' && /3 requests a minute/.test(e.message));
  // Early in the next minute most of the last one still counts; later it has slid out.
  await assert.rejects(limiter.admit(subject, 'r4', t0 + minute + 5000));
  await limiter.admit(subject, 'r5', t0 + minute + 50_000);
  assert.equal(slidingCount(2, 4, t0 + 30_000), 4);
});

test('requests at once and tokens a minute', async () => {
  const limiter = new MemoryRateLimiter();
  const conc = [{ id: 'user:u', rpm: null, tpm: null, concurrency: 2 }];
  await limiter.admit(conc, 'a', t0);
  await limiter.admit(conc, 'b', t0);
  await assert.rejects(limiter.admit(conc, 'c', t0), /2 requests at once/);
  limiter.finish(conc, 'a', 0, t0);
  await limiter.admit(conc, 'c', t0);

  const tokens = [{ id: 'team:t', rpm: null, tpm: 1000, concurrency: null }];
  await limiter.admit(tokens, 'x', t0);
  limiter.finish(tokens, 'x', 1200, t0 + 100);
  await assert.rejects(limiter.admit(tokens, 'y', t0 + 200), /1000 tokens a minute/);
  // A refusal of one subject counts nothing against the others.
  const both = [{ id: 'key:k', rpm: 1, tpm: null, concurrency: null }, ...tokens];
  await assert.rejects(limiter.admit(both, 'z', t0 + 300));
  await limiter.admit([both[0]!], 'z2', t0 + 400);
});

test('budget periods are UTC calendar days, Monday weeks and months', () => {
  const at = new Date('2026-11-22T15:30:00Z'); // a Sunday
  assert.equal(periodStart('daily', at).toISOString(), '2026-11-22T00:00:00.000Z');
  assert.equal(periodEnd('daily', at).toISOString(), '2026-11-23T00:00:00.000Z');
  assert.equal(periodStart('weekly', at).toISOString(), '2026-11-16T00:00:00.000Z');
  assert.equal(periodEnd('weekly', at).toISOString(), '2026-11-23T00:00:00.000Z');
  assert.equal(periodStart('weekly', new Date('2026-11-23T00:00:00Z')).toISOString(), '2026-11-23T00:00:00.000Z');
  assert.equal(periodStart('monthly', at).toISOString(), '2026-11-01T00:00:00.000Z');
  assert.equal(periodEnd('monthly', new Date('2026-12-31T23:59:59Z')).toISOString(), '2027-01-01T00:00:00.000Z');
});

test('the remembered period moves on at its boundary, and back for an older time', () => {
  const sundayNight = new Date('2026-11-22T23:59:59.999Z');
  const mondayMorning = new Date('2026-11-23T00:00:00.000Z');
  for (const period of ['daily', 'weekly', 'monthly'] as const) {
    for (const at of [sundayNight, mondayMorning, sundayNight, new Date('2026-12-01T00:00:00Z'), mondayMorning]) {
      const p = periodOf(period, at);
      assert.equal(p.startIso, periodStart(period, at).toISOString(), `${period} start at ${at.toISOString()}`);
      assert.equal(p.endIso, periodEnd(period, at).toISOString(), `${period} end at ${at.toISOString()}`);
    }
  }
});
