import assert from 'node:assert/strict';
import { test } from 'node:test';
import { costMicros } from '../../../src/spend/cost.js';
import { fallbackPrice, priceCatalog } from '../../../src/spend/price-catalog.js';

const usage = (o: Partial<Parameters<typeof costMicros>[0]> = {}) => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, ...o });
const sonnet = priceCatalog['claude-sonnet-4-5-20250929']!;

test('cost in micro-dollars from the list price: input, output and the cache multipliers', () => {
  // 1,000 in × $3/MTok + 500 out × $15/MTok = $0.003 + $0.0075
  assert.equal(costMicros(usage({ inputTokens: 1000, outputTokens: 500 }), sonnet, { regional: false }), 10_500);
  // reads 0.1×, 5-minute writes 1.25×, 1-hour writes 2× of $3
  assert.equal(costMicros(usage({ cacheReadTokens: 10_000 }), sonnet, { regional: false }), 3_000);
  assert.equal(costMicros(usage({ cacheWrite5mTokens: 10_000 }), sonnet, { regional: false }), 37_500);
  assert.equal(costMicros(usage({ cacheWrite1hTokens: 10_000 }), sonnet, { regional: false }), 60_000);
});

test('regional profiles cost 10% more; long prompts on 1M context cost 2× input and 1.5× output', () => {
  assert.equal(costMicros(usage({ inputTokens: 1000, outputTokens: 500 }), sonnet, { regional: true }), 11_550);
  // 300k prompt tokens: $6/MTok input, $22.50/MTok output
  assert.equal(costMicros(usage({ inputTokens: 300_000, outputTokens: 1000 }), sonnet, { regional: false }), 1_800_000 + 22_500);
  // the threshold counts cached tokens too
  assert.equal(costMicros(usage({ inputTokens: 1000, cacheReadTokens: 250_000 }), sonnet, { regional: false }), 2 * (3_000 + 75_000));
});

test('money never drifts: many small requests add up to the same as one large one', () => {
  const one = costMicros(usage({ inputTokens: 1_000_000 }), priceCatalog['claude-haiku-4-5-20251001']!, { regional: false });
  assert.equal(one, 1_000_000);
  let sum = 0;
  for (let i = 0; i < 1000; i++) sum += costMicros(usage({ inputTokens: 1000 }), priceCatalog['claude-haiku-4-5-20251001']!, { regional: false });
  assert.equal(sum, one);
  assert.ok(fallbackPrice.input >= Math.max(...Object.values(priceCatalog).map((p) => p.input)), 'the fallback price is never cheaper than a listed one');
});
