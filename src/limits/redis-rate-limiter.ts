import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { MemoryRateLimiter, refusal, windowMs, type LimitKind, type LimitSubject, type RateLimiter } from './rate-limiter.js';

/**
 * Checks every limit of every subject and, only if all pass, counts the request: atomically,
 * in one round trip, so replicas sharing Redis hold a limit together.
 * KEYS per subject: requests this minute, last minute; tokens this minute, last minute; running.
 * ARGV: now, previous-minute weight, request id, then per subject rpm, tpm, concurrency (0 = none).
 */
const admitScript = `
local now = tonumber(ARGV[1])
local weight = tonumber(ARGV[2])
local id = ARGV[3]
local n = #KEYS / 5
for i = 0, n - 1 do
  local k = i * 5
  local rpm = tonumber(ARGV[4 + i * 3])
  local tpm = tonumber(ARGV[5 + i * 3])
  local conc = tonumber(ARGV[6 + i * 3])
  if rpm > 0 then
    local c = tonumber(redis.call('GET', KEYS[k + 1]) or '0') + tonumber(redis.call('GET', KEYS[k + 2]) or '0') * weight
    if c + 1 > rpm then return {i + 1, 'rpm'} end
  end
  if tpm > 0 then
    local t = tonumber(redis.call('GET', KEYS[k + 3]) or '0') + tonumber(redis.call('GET', KEYS[k + 4]) or '0') * weight
    if t >= tpm then return {i + 1, 'tpm'} end
  end
  if conc > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 5], 0, now - 900000)
    if redis.call('ZCARD', KEYS[k + 5]) >= conc then return {i + 1, 'concurrency'} end
  end
end
for i = 0, n - 1 do
  local k = i * 5
  if tonumber(ARGV[4 + i * 3]) > 0 then
    redis.call('INCR', KEYS[k + 1])
    redis.call('PEXPIRE', KEYS[k + 1], 130000)
  end
  if tonumber(ARGV[6 + i * 3]) > 0 then
    redis.call('ZADD', KEYS[k + 5], now, id)
    redis.call('PEXPIRE', KEYS[k + 5], 900000)
  end
end
return {0, ''}
`;

const prefix = 'ccag:{rl}:';

function keysFor(subject: LimitSubject, now: number): string[] {
  const minute = Math.floor(now / windowMs);
  const base = `${prefix}${subject.id}`;
  return [`${base}:r:${minute}`, `${base}:r:${minute - 1}`, `${base}:t:${minute}`, `${base}:t:${minute - 1}`, `${base}:run`];
}

/** Cluster-wide limits in Redis; if Redis fails, this replica falls back to counting alone. */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly fallback = new MemoryRateLimiter();
  /** Until when this replica counts alone after a Redis failure (then it tries Redis again). */
  private degradedUntil = 0;
  localFallbacks = 0;

  constructor(
    url: string,
    private readonly log?: Logger,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.redis.on('error', (err: Error) => this.degrade(err));
    this.redis.on('ready', () => {
      if (this.degradedUntil) this.log?.info('Redis is back: rate limits are cluster-wide again');
      this.degradedUntil = 0;
    });
  }

  async admit(subjects: LimitSubject[], requestId: string): Promise<void> {
    const now = Date.now();
    if (now < this.degradedUntil) return this.admitLocally(subjects, requestId);
    const keys = subjects.flatMap((s) => keysFor(s, now));
    const weight = 1 - (now % windowMs) / windowMs;
    const args = [now, weight, requestId, ...subjects.flatMap((s) => [s.rpm ?? 0, s.tpm ?? 0, s.concurrency ?? 0])];
    let result: [number, string];
    try {
      result = (await this.redis.eval(admitScript, keys.length, ...keys, ...args)) as [number, string];
    } catch (err) {
      this.degrade(err as Error);
      return this.admitLocally(subjects, requestId);
    }
    if (result[0] > 0) throw refusal(subjects[result[0] - 1]!, result[1] as LimitKind, now);
  }

  finish(subjects: LimitSubject[], requestId: string, tokens: number): void {
    const now = Date.now();
    if (now < this.degradedUntil) return this.fallback.finish(subjects, requestId, tokens);
    const pipeline = this.redis.pipeline();
    for (const s of subjects) {
      const [, , tokensNow, , running] = keysFor(s, now);
      if (s.concurrency) pipeline.zrem(running!, requestId);
      if (s.tpm && tokens > 0) pipeline.incrby(tokensNow!, tokens).pexpire(tokensNow!, 130_000);
    }
    pipeline.exec().catch((err: Error) => this.degrade(err));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private admitLocally(subjects: LimitSubject[], requestId: string): Promise<void> {
    this.localFallbacks++;
    return this.fallback.admit(subjects, requestId);
  }

  private degrade(err: Error): void {
    if (Date.now() >= this.degradedUntil) this.log?.warn({ err: err.message }, 'Redis unavailable: rate limits fall back to this replica alone');
    this.degradedUntil = Date.now() + 5_000;
  }
}
