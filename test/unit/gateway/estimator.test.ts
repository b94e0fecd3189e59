import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenEstimator } from '../../../src/gateway/count-tokens/estimator.js';
import { tokenFeatures } from '../../../src/gateway/count-tokens/features.js';

/** A tokenizer unlike the estimator's priors, to learn from: what "Bedrock reports". */
function reportedTokens(body: any): number {
  const f = tokenFeatures(body);
  return Math.round(f.asciiBytes / 4.4 + f.otherChars * 0.9 + f.imageTokens * 1.0 + f.toolBytes / 3.8 + f.blocks * 3 + 8);
}

const latin = (n: number) => 'The quick brown fox jumps over the lazy dog. '.repeat(n);
const cjk = (n: number) => '敏捷的棕色狐狸跳过了懒狗。'.repeat(n);
const png = (w: number, h: number) => {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x89504e47, 0);
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b.toString('base64') + 'A'.repeat(2000);
};
const tool = (i: number) => ({ name: `tool_${i}`, description: 'Does a thing with a long description. '.repeat(5), input_schema: { type: 'object', properties: { a: { type: 'string', description: 'x'.repeat(80) }, b: { type: 'number' } } } });

function request(kind: string, size: number): any {
  switch (kind) {
    case 'latin':
      return { messages: [{ role: 'user', content: latin(size) }] };
    case 'cjk':
      return { messages: [{ role: 'user', content: cjk(size) }] };
    case 'image':
      return { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(200 * size, 150 * size) } }, { type: 'text', text: 'what is this?' }] }] };
    case 'tools':
      return { tools: Array.from({ length: size }, (_, i) => tool(i)), messages: [{ role: 'user', content: 'hi' }] };
    default:
      return { system: latin(size), tools: [tool(1), tool(2)], messages: [{ role: 'user', content: [{ type: 'text', text: cjk(size) }, { type: 'image', source: { type: 'base64', data: png(300, 300) } }] }] };
  }
}

test('after warm-up on mixed traffic, estimates of held-out requests err high by at most 15%', () => {
  const estimator = new TokenEstimator();
  const kinds = ['latin', 'cjk', 'image', 'tools', 'mixed'];
  for (let i = 0; i < 300; i++) {
    const body = request(kinds[i % kinds.length]!, 1 + ((i * 7) % 23));
    estimator.observe('m', tokenFeatures(body), reportedTokens(body));
  }
  for (const kind of kinds) {
    for (const size of [2, 11, 40]) {
      const body = request(kind, size);
      const actual = reportedTokens(body);
      const estimate = estimator.estimate('m', tokenFeatures(body));
      assert.ok(estimate >= actual, `${kind}/${size}: estimate ${estimate} < actual ${actual}`);
      assert.ok(estimate <= actual * 1.15, `${kind}/${size}: estimate ${estimate} > 1.15 × ${actual}`);
    }
  }
});

test('before any observation the estimate is the generous prior; models learn separately', () => {
  const estimator = new TokenEstimator();
  const body = request('latin', 10);
  assert.ok(estimator.estimate('new', tokenFeatures(body)) > reportedTokens(body));
  estimator.observe('a', tokenFeatures(body), 10_000);
  assert.equal(estimator.observations('b'), 0);
  assert.ok(estimator.estimate('a', tokenFeatures(body)) > estimator.estimate('b', tokenFeatures(body)));
});

test('a feature never seen in training keeps its generous prior (no under-count of the first image)', () => {
  const estimator = new TokenEstimator();
  for (let i = 0; i < 60; i++) {
    const body = request('latin', 1 + (i % 20));
    estimator.observe('m', tokenFeatures(body), reportedTokens(body));
  }
  const image = request('image', 4);
  assert.ok(estimator.estimate('m', tokenFeatures(image)) >= reportedTokens(image));
});

test('once a model has a full window of observations, one request in eight is measured', () => {
  const estimator = new TokenEstimator();
  const body = request('latin', 3);
  for (let i = 0; i < 256; i++) {
    assert.equal(estimator.wantsObservation('m'), true);
    estimator.observe('m', tokenFeatures(body), reportedTokens(body));
  }
  const wanted = Array.from({ length: 64 }, () => estimator.wantsObservation('m')).filter(Boolean).length;
  assert.equal(wanted, 8);
});
