/**
 * Counts attempts per key (an IP address) in a sliding window, in this replica's memory: a
 * brake on guessing device codes and flooding the device endpoints, not an accounting system.
 */
export class AttemptThrottle {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Seconds until another attempt is allowed, or 0 when it is allowed now (and counted). */
  take(key: string): number {
    const now = Date.now();
    const recent = (this.attempts.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.max) {
      this.attempts.set(key, recent);
      return Math.ceil((recent[0]! + this.windowMs - now) / 1000);
    }
    recent.push(now);
    this.attempts.set(key, recent);
    if (this.attempts.size > 50_000) this.prune(now);
    return 0;
  }

  private prune(now: number): void {
    for (const [key, times] of this.attempts) if (!times.some((t) => t > now - this.windowMs)) this.attempts.delete(key);
  }
}
