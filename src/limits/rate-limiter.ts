import { rateLimited } from '../api/errors.js';

/** Who a request counts against for rate limits (its key, user and team), with their limits. */
export interface LimitSubject {
  /** `key:…`, `user:…` or `team:…`. */
  id: string;
  /** Requests a minute; null: unlimited. */
  rpm: number | null;
  /** Input + output tokens a minute; null: unlimited. */
  tpm: number | null;
  /** Requests running at once; null: unlimited. */
  concurrency: number | null;
}

export interface RateLimiter {
  /** Admits a request or throws 429 rate_limit_error with retry-after. */
  admit(subjects: LimitSubject[], requestId: string): Promise<void>;
  /** The request ended and used `tokens` (input + output). */
  finish(subjects: LimitSubject[], requestId: string, tokens: number): void;
  close(): Promise<void>;
  /** Admissions this replica counted alone because the shared store (Redis) was unreachable. */
  readonly localFallbacks?: number;
}

export type LimitKind = 'rpm' | 'tpm' | 'concurrency';

export const windowMs = 60_000;

/**
 * Sliding-window count: this minute's count plus the share of last minute's that still lies
 * within 60 seconds of now. Admission is refused once a limit would be passed.
 */
export function slidingCount(current: number, previous: number, now: number): number {
  const intoMinute = now % windowMs;
  return current + previous * (1 - intoMinute / windowMs);
}

export function refusal(subject: LimitSubject, kind: LimitKind, now: number): Error {
  const [scope] = subject.id.split(':');
  const what =
    kind === 'rpm' ? `${subject.rpm} requests a minute` : kind === 'tpm' ? `${subject.tpm} tokens a minute` : `${subject.concurrency} requests at once`;
  const retryAfter = kind === 'concurrency' ? 1 : (windowMs - (now % windowMs)) / 1000;
  const error = rateLimited(`rate limit: this ${scope} may make at most ${what}`, retryAfter);
  error.refusal = { kind: 'rate_limit', limit: kind, scope: scope! };
  return error;
}

/** Limits kept in this process: each replica counts on its own (no REDIS_URL). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly counters = new Map<string, { minute: number; requests: [number, number]; tokens: [number, number]; running: Set<string> }>();

  async admit(subjects: LimitSubject[], requestId: string, now = Date.now()): Promise<void> {
    const states = subjects.map((s) => ({ s, c: this.counter(s.id, now) }));
    for (const { s, c } of states) {
      if (s.rpm && slidingCount(c.requests[0], c.requests[1], now) + 1 > s.rpm) throw refusal(s, 'rpm', now);
      if (s.tpm && slidingCount(c.tokens[0], c.tokens[1], now) >= s.tpm) throw refusal(s, 'tpm', now);
      if (s.concurrency && c.running.size >= s.concurrency) throw refusal(s, 'concurrency', now);
    }
    for (const { c } of states) {
      c.requests[0]++;
      c.running.add(requestId);
    }
  }

  finish(subjects: LimitSubject[], requestId: string, tokens: number, now = Date.now()): void {
    for (const s of subjects) {
      const c = this.counter(s.id, now);
      c.running.delete(requestId);
      c.tokens[0] += tokens;
    }
  }

  async close(): Promise<void> {}

  private counter(id: string, now: number) {
    const minute = Math.floor(now / windowMs);
    let c = this.counters.get(id);
    if (!c) this.counters.set(id, (c = { minute, requests: [0, 0], tokens: [0, 0], running: new Set() }));
    if (c.minute !== minute) {
      // Roll the window: this minute becomes the previous one (or nothing, after a gap).
      const adjacent = c.minute === minute - 1;
      c.requests = [0, adjacent ? c.requests[0] : 0];
      c.tokens = [0, adjacent ? c.tokens[0] : 0];
      c.minute = minute;
    }
    return c;
  }
}
