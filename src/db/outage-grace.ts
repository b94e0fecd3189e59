import type { Db } from './db.js';

/** What a request gets when its budget needs the database and the database is unreachable. */
export type BudgetFailMode = 'open' | 'closed';

export type DatabaseState = 'ok' | 'degraded' | 'down';

/**
 * How long the gateway serves from its caches (credentials, budget leases, prices, routing,
 * policies) while the database is unreachable: within the grace period it is `degraded`
 * (still ready), after it `down` (not ready; cached credentials no longer accepted).
 */
export class OutageGrace {
  constructor(
    private readonly db: Db,
    readonly graceMs: number,
    readonly budgetFailMode: BudgetFailMode,
  ) {}

  /** Milliseconds the database has been unreachable, or undefined while it answers. */
  outageMs(now = Date.now()): number | undefined {
    const since = this.db.unreachableSince;
    return since === undefined ? undefined : now - since;
  }

  state(now = Date.now()): DatabaseState {
    const ms = this.outageMs(now);
    if (ms === undefined) return 'ok';
    return ms < this.graceMs ? 'degraded' : 'down';
  }

  /** Unreachable, but within the grace period: cached answers still count. */
  get degraded(): boolean {
    return this.state() === 'degraded';
  }

  /** A budget decision the cache cannot give is let through (fail-open, within the grace period). */
  get admitsUncheckedBudgets(): boolean {
    return this.budgetFailMode === 'open' && this.degraded;
  }
}
