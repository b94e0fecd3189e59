import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { eventually, http } from '../../helpers/gateway.js';
import { useInferenceRig } from '../../helpers/inference.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const skip = !(await redisAvailable()) && 'needs Redis on 127.0.0.1:6379';
// The gateway reaches Redis through a proxy the test cuts.
const target = new URL(redisUrl);
const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });

describe('Redis down: rate limits fall back to this replica', { skip }, () => {
  const env = useInferenceRig('pglite', { gateway: { redisUrl: viaProxy(redisUrl, proxy) } });
  let key = '';
  let keyId = '';
  const redis = new Redis(redisUrl, { lazyConnect: true });
  before(async () => {
    const created = await http(`${env.rig.gw.url}/admin/v1/keys`, { method: 'POST', token: env.rig.admin, body: { name: 'limited', rpm: 1000, concurrency: 1 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    key = created.body.key;
    keyId = created.body.id;
    await redis.connect();
  });
  after(async () => {
    proxy.restore();
    redis.disconnect();
    await proxy.close();
  });

  const call = (prompt = 'hi') => http(`${env.rig.gw.url}/v1/messages`, { method: 'POST', apiKey: key, body: { model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: prompt }] } });
  const fallbacks = async () => Number(/ccag_rate_limit_local_fallbacks_total (\d+)/.exec(await (await fetch(`${env.rig.gw.url}/metrics`)).text())?.[1] ?? NaN);
  const redisCount = async () => {
    const keys = await redis.keys(`ccag:{rl}:key:${keyId}:r:*`);
    return keys.length ? (await Promise.all(keys.map((k) => redis.get(k)))).reduce((n, v) => n + Number(v), 0) : 0;
  };
  /** Holds the key's one concurrency slot with a slow stream until `release` is called. */
  async function holdSlot(): Promise<() => void> {
    const base = new URL(env.rig.gw.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: base.hostname, port: base.port, path: '/v1/messages', method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' } }, (res) => {
        assert.equal(res.statusCode, 200);
        res.on('error', () => undefined);
        res.once('data', () => resolve(() => req.destroy()));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: '[[slow:200]] [[long:200]]' }] }));
    });
  }

  test('limits are cluster-wide while Redis answers, local with a warning metric while it does not, and cluster-wide again after', async () => {
    assert.equal((await call()).status, 200);
    assert.equal(await redisCount(), 1, 'counted in Redis');
    assert.equal(await fallbacks(), 0);

    proxy.cut('refuse');
    let served = 0;
    for (let i = 0; i < 10; i++) if ((await call()).status === 200) served++;
    assert.equal(served, 10, 'requests go on while Redis is down');
    assert.ok((await fallbacks()) >= 10, 'each counted by the local fallback, visible as a metric');
    assert.match(env.rig.gw.logs(), /Redis unavailable: rate limits fall back to this replica alone/);
    // The local limiter still holds the key to one request at a time.
    const release = await holdSlot();
    const refused = await call();
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.type, 'rate_limit_error');
    release();
    assert.ok(await eventually(async () => (await call()).status === 200, 5_000), 'the slot is freed locally');

    proxy.restore();
    const counted = await redisCount();
    assert.ok(
      await eventually(async () => {
        await call();
        return (await redisCount()) > counted;
      }, 15_000, 500),
      'admissions are counted in Redis again',
    );
    console.log(`redis outage: ${served} requests served from local limits, ${await fallbacks()} local admissions in all, limits back in Redis after recovery`);
  });
});
