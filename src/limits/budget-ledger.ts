import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { GatewayError } from '../api/errors.js';
import type { LimitSubject } from './rate-limiter.js';
import type { Principal } from '../auth/principal.js';
import type { Db, Queryable } from '../db/db.js';
import type { OutageGrace } from '../db/outage-grace.js';
import { DatabaseUnreachableError } from '../db/unreachable.js';
import type { Budget, BudgetStore } from './budget-store.js';
import { emitBudgetCrossed } from '../notify/emit.js';
import { periodEnd, periodOf } from './periods.js';

/**
 * Budget enforcement shared by all replicas through Postgres, with no database round trip
 * for most requests. Each replica leases headroom from a budget (a row in budget_leases,
 * counted against the budget by every replica) and admits requests locally while their
 * estimated cost fits in its lease; only when its lease runs out does it go back to the
 * database, under a row lock, for more. Real costs are settled into budget_usage in the same
 * transaction as the requests' spend rows. A replica that dies stops heartbeating its lease,
 * and after two minutes the others stop counting it.
 */

/** The local view of one budget in one period. */
interface Account {
  budget: Budget;
  periodStart: Date;
  /** Headroom this replica holds in the database (as of leaseVersion). */
  lease: number;
  leaseVersion: number;
  /** Estimates of requests admitted and still running. */
  inflight: number;
  /** Real costs of finished requests not yet settled into the database (still inside the lease). */
  unsettled: number;
  /** budget_usage.spent_micros as last read. */
  spentSeen: number;
  acquiring?: Promise<void>;
  /** Another replica announced this budget is near its limit. */
  nearLimit: boolean;
  /** Free headroom at the last look if every replica held only what it has running. */
  freeIfNoSlack: number;
}

export interface Admission {
  accounts: Account[];
  estimate: number;
  /** A budget is near its limit: settle this request's cost at once, so every replica sees it. */
  tight: boolean;
  /** Budgets past a throttle rule, as rate limits to admit the request against (cluster-wide with Redis). */
  throttles: LimitSubject[];
  /** Response headers: what is left of the tightest budget and when it resets. */
  headers: Record<string, string>;
}

/** Replicas tell each other when a budget nears its limit, so none keeps idle headroom. */
export const budgetChannel = 'ccag_budget';
const staleLeaseSeconds = 120;
/** How often, and at most how long, a refusal waits for other replicas to hand back idle headroom. */
const reclaimPollMs = 50;
const reclaimMaxMs = 2_000;
/** Past this share of a budget, leases hold only what is running: no idle headroom anywhere. */
const tightShare = 0.8;
const heartbeatMs = 30_000;
const scopeColumn = { user: 'user_id', team: 'team_id', key: 'key_id' } as const;
const usd = (micros: number) => `$${(micros / 1_000_000).toFixed(2)}`;

/**
 * The statement that gives a budget its usage row for a period: a budget created mid-period
 * counts the period's spend so far. Every settle runs it, so once the row exists it must not
 * read the period's requests again (a team's month can hold millions of them): the sum sits
 * behind the existence check, which skips it.
 */
export function usageRowStatement(budget: Budget, start: Date): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO budget_usage (budget_id, period_start, spent_micros)
       SELECT $1, $2, (SELECT COALESCE(sum(cost_micros), 0) FROM requests WHERE ${scopeColumn[budget.scope]} = $3 AND at >= $2 AND at < $4)
       WHERE NOT EXISTS (SELECT 1 FROM budget_usage WHERE budget_id = $1 AND period_start = $2)
       ON CONFLICT DO NOTHING`,
    params: [budget.id, start, budget.targetId, periodEnd(budget.period, start)],
  };
}

async function ensureUsageRow(tx: Queryable, budget: Budget, start: Date): Promise<void> {
  const { sql, params } = usageRowStatement(budget, start);
  await tx.query(sql, params);
}

export class BudgetLedger {
  readonly replica = randomUUID();
  private readonly accounts = new Map<string, Account>();
  /**
   * Taking headroom and settling costs never overlap in one replica: each reads the local
   * unsettled costs against the spent it sees in the database, and they must agree.
   */
  private serial: Promise<unknown> = Promise.resolve();
  /** What the last settle transaction left in the database, applied once it commits. */
  private readonly settledState = new Map<string, { spent: number; lease: number | undefined; version: number }>();
  private timer: NodeJS.Timeout | undefined;
  /** Requests let through without a budget decision (database unreachable, CCAG_BUDGET_FAIL_MODE=open). */
  uncheckedAdmissions = 0;

  constructor(
    private readonly db: Db,
    private readonly budgets: BudgetStore,
    private readonly log?: Logger,
    /** While the database is unreachable: whether a decision the lease cannot give lets the request through. */
    private readonly outage?: OutageGrace,
  ) {}

  private unlisten: (() => Promise<void>) | undefined;

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.heartbeat(), heartbeatMs);
    this.timer.unref();
    this.unlisten = await this.db.listen(budgetChannel, { onNotification: (payload) => void this.onNearLimit(payload) });
  }

  /**
   * Another replica says a budget is near its limit: hand back this replica's idle headroom
   * now (through the same locked path that takes it, so the two never cross).
   */
  private async onNearLimit(payload: string): Promise<void> {
    for (const a of this.accounts.values()) {
      if (`${a.budget.id}:${a.periodStart.toISOString()}` !== payload) continue;
      a.nearLimit = true;
      if (a.lease > a.inflight + a.unsettled) {
        await this.acquire(a, 0).catch((err: Error) => this.log?.warn({ err: err.message }, 'could not hand back budget headroom'));
      }
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.();
    await this.db.query('DELETE FROM budget_leases WHERE replica = $1', [this.replica]).catch(() => undefined);
  }

  /**
   * Admits a request whose cost is estimated at `estimate` micro-dollars, or throws 429
   * billing_error naming the budget. Returns undefined when no budget applies.
   */
  async admit(p: Principal, estimate: number, now = new Date()): Promise<Admission | undefined> {
    const budgets = this.budgets.applicable(p);
    if (budgets.length === 0) return undefined;
    const accounts = budgets.map((b) => this.account(b, now));
    let tight = false;
    const throttles = accounts.flatMap((a) => this.throttle(a));
    for (const a of accounts) {
      if (a.budget.blockAtMicros === null) continue;
      // While the lease is being rewritten (from a snapshot of what runs), admit nothing on the
      // side: the new lease must cover every request admitted.
      while (a.acquiring) await a.acquiring.catch(() => undefined);
      try {
        // Near the limit, every admission asks the database: no replica spends idle headroom.
        const nearLimit = this.isTight(a);
        if (nearLimit || a.inflight + a.unsettled + estimate > a.lease) await this.acquire(a, estimate);
        // Refused for now, but other replicas hold idle headroom: ask for it back and wait (a
        // replica that does not answer is waited for only so long).
        for (let waited = 0; a.inflight + a.unsettled + estimate > a.lease && a.freeIfNoSlack >= a.inflight + a.unsettled + estimate && waited < reclaimMaxMs; waited += reclaimPollMs) {
          await this.db.notify(budgetChannel, `${a.budget.id}:${a.periodStart.toISOString()}`);
          await new Promise((r) => setTimeout(r, reclaimPollMs));
          await this.acquire(a, estimate);
        }
      } catch (err) {
        if (!(err instanceof DatabaseUnreachableError && this.outage?.admitsUncheckedBudgets)) throw err;
        // Fail-open during the outage grace period: counted here, settled once the database is back.
        if (this.uncheckedAdmissions++ % 100 === 0) this.log?.warn({ budget: a.budget.id }, 'database unreachable: admitting without a budget decision (CCAG_BUDGET_FAIL_MODE=open)');
        continue;
      }
      if (a.inflight + a.unsettled + estimate > a.lease) throw this.refusal(a, now);
      tight ||= this.isTight(a);
    }
    for (const a of accounts) a.inflight += estimate;
    return { accounts, estimate, tight, throttles, headers: this.headers(accounts, now) };
  }

  /** The request finished and cost `cost`: its estimate leaves the lease, its cost waits to be settled. */
  release(admission: Admission | undefined, cost: number): void {
    if (!admission) return;
    for (const a of admission.accounts) {
      a.inflight = Math.max(0, a.inflight - admission.estimate);
      a.unsettled += cost;
    }
  }

  /**
   * Settles finished requests' costs into budget_usage, inside the transaction that writes
   * their spend rows (so usage and rows never disagree), and records thresholds crossed.
   */
  async settle(tx: Queryable, records: { at: Date; keyId: string | null; userId: string | null; teamId: string | null; costMicros: number }[]): Promise<void> {
    this.settledState.clear();
    const totals = new Map<string, { budget: Budget; start: Date; cost: number }>();
    for (const r of records) {
      if (!r.costMicros) continue;
      for (const budget of this.budgets.forRecord(r)) {
        const { start, startIso } = periodOf(budget.period, r.at);
        const k = `${budget.id}:${startIso}`;
        const t = totals.get(k) ?? { budget, start, cost: 0 };
        t.cost += r.costMicros;
        totals.set(k, t);
      }
    }
    for (const { budget, start, cost } of totals.values()) {
      await ensureUsageRow(tx, budget, start);
      const { rows } = await tx.query<{ spent_micros: number }>(
        'UPDATE budget_usage SET spent_micros = spent_micros + $3 WHERE budget_id = $1 AND period_start = $2 RETURNING spent_micros',
        [budget.id, start, cost],
      );
      const spent = Number(rows[0]!.spent_micros);
      // The settled cost leaves the lease (a subtraction: it commutes with a concurrent acquire).
      const lease = await tx.query<{ amount_micros: number; version: number }>(
        `UPDATE budget_leases SET amount_micros = GREATEST(0, amount_micros - $4), running_micros = GREATEST(0, running_micros - $4), version = version + 1, updated_at = now()
         WHERE budget_id = $1 AND period_start = $2 AND replica = $3 RETURNING amount_micros, version`,
        [budget.id, start, this.replica, cost],
      );
      const row = lease.rows[0];
      this.settledState.set(`${budget.id}:${start.toISOString()}`, { spent, lease: row ? Number(row.amount_micros) : undefined, version: row ? Number(row.version) : -1 });
      for (const rule of budget.rules) {
        if (spent * 100 >= budget.amountMicros * rule.pct) {
          const recorded = await tx.query(
            `INSERT INTO budget_events (budget_id, period_start, pct, action, spent_micros) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING pct`,
            [budget.id, start, rule.pct, rule.action, spent],
          );
          // Once per rule and period, cluster-wide: only the insert that recorded it tells anyone.
          if (recorded.rowCount > 0) await emitBudgetCrossed(tx, budget, rule, start, spent);
        }
      }
    }
  }

  /** After a successful settle: the costs left the lease and joined spent, as the database now has them. */
  settled(records: { at: Date; keyId: string | null; userId: string | null; teamId: string | null; costMicros: number }[]): void {
    for (const r of records) {
      for (const budget of this.budgets.forRecord(r)) {
        const a = this.accounts.get(`${budget.id}:${periodOf(budget.period, r.at).startIso}`);
        if (a) a.unsettled = Math.max(0, a.unsettled - r.costMicros);
      }
    }
    for (const [k, state] of this.settledState) {
      const a = this.accounts.get(k);
      if (!a) continue;
      a.spentSeen = Math.max(a.spentSeen, state.spent);
      if (state.lease !== undefined) this.applyLease(a, state.lease, state.version);
    }
    this.settledState.clear();
  }

  private applyLease(a: Account, amount: number, version: number): void {
    if (version <= a.leaseVersion && a.leaseVersion !== 0) return;
    a.lease = amount;
    a.leaseVersion = version;
  }

  private account(budget: Budget, now: Date): Account {
    const { start, startIso } = periodOf(budget.period, now);
    const k = `${budget.id}:${startIso}`;
    let a = this.accounts.get(k);
    if (!a || a.budget !== budget) {
      a = { budget, periodStart: start, lease: a?.lease ?? 0, inflight: a?.inflight ?? 0, unsettled: a?.unsettled ?? 0, spentSeen: a?.spentSeen ?? 0, nearLimit: a?.nearLimit ?? false, freeIfNoSlack: a?.freeIfNoSlack ?? 0, leaseVersion: a?.leaseVersion ?? 0 };
      this.accounts.set(k, a);
    }
    return a;
  }

  private isTight(a: Account): boolean {
    return a.budget.blockAtMicros !== null && (a.nearLimit || a.spentSeen + a.lease > a.budget.blockAtMicros * tightShare);
  }

  /** Takes more headroom under the budget row's lock: enough for this request, plus some to come. */
  /** Runs fn after every earlier acquire or settle of this replica has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private acquire(a: Account, estimate: number): Promise<void> {
    a.acquiring ??= this.exclusive(() => this.db.transaction(async (tx) => {
        const cap = a.budget.blockAtMicros!;
        await ensureUsageRow(tx, a.budget, a.periodStart);
        const { rows } = await tx.query<{ spent_micros: number }>(
          'SELECT spent_micros FROM budget_usage WHERE budget_id = $1 AND period_start = $2 FOR UPDATE',
          [a.budget.id, a.periodStart],
        );
        const spent = Number(rows[0]!.spent_micros);
        const others = await tx.query<{ leased: number; running: number }>(
          `SELECT COALESCE(sum(amount_micros), 0)::bigint AS leased, COALESCE(sum(running_micros), 0)::bigint AS running FROM budget_leases
           WHERE budget_id = $1 AND period_start = $2 AND replica <> $3 AND updated_at > now() - make_interval(secs => $4)`,
          [a.budget.id, a.periodStart, this.replica, staleLeaseSeconds],
        );
        const free = cap - spent - Number(others.rows[0]!.leased);
        a.freeIfNoSlack = cap - spent - Number(others.rows[0]!.running);
        const needed = a.inflight + a.unsettled + estimate;
        let lease: number;
        // Refused: keep only what runs, so no headroom sits idle here either.
        if (needed > free) lease = a.inflight + a.unsettled;
        else if (cap - free + needed > cap * tightShare) lease = needed; // near the limit: reserve exactly what runs
        else lease = needed + Math.min(Math.max(estimate * 4, Math.floor(cap / 50)), Math.floor((free - needed) / 2));
        if (cap - free + needed > cap * tightShare && !a.nearLimit) {
          a.nearLimit = true;
          await tx.query('SELECT pg_notify($1, $2)', [budgetChannel, `${a.budget.id}:${a.periodStart.toISOString()}`]);
        }
        const running = lease >= needed ? needed : a.inflight + a.unsettled;
        const written = await tx.query<{ amount_micros: number; version: number }>(
          `INSERT INTO budget_leases (budget_id, period_start, replica, amount_micros, running_micros) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (budget_id, period_start, replica) DO UPDATE SET amount_micros = $4, running_micros = $5, version = budget_leases.version + 1, updated_at = now()
           RETURNING amount_micros, version`,
          [a.budget.id, a.periodStart, this.replica, lease, running],
        );
        return { spent, lease: Number(written.rows[0]!.amount_micros), version: Number(written.rows[0]!.version) };
      })
      // Applied once committed, and only if no later write of this lease was applied already.
      .then((w) => {
        a.spentSeen = Math.max(a.spentSeen, w.spent);
        this.applyLease(a, w.lease, w.version);
      }))
      .finally(() => (a.acquiring = undefined));
    return a.acquiring;
  }

  /** Throttle rules past their threshold: the strictest, as a requests-a-minute limit on the budget. */
  private throttle(a: Account): LimitSubject[] {
    const spent = a.spentSeen + a.unsettled;
    const rule = a.budget.rules
      .filter((r): r is Extract<typeof r, { action: 'throttle' }> => r.action === 'throttle' && spent * 100 >= a.budget.amountMicros * r.pct)
      .sort((x, y) => x.rpm - y.rpm)[0];
    return rule ? [{ id: `budget:${a.budget.id}`, rpm: rule.rpm, tpm: null, concurrency: null }] : [];
  }

  private refusal(a: Account, now: Date): GatewayError {
    const resets = periodEnd(a.budget.period, now).toISOString();
    const spent = a.spentSeen + a.unsettled;
    const error = new GatewayError(
      'billing_error',
      `budget exceeded: this ${a.budget.scope}'s ${a.budget.period} budget of ${usd(a.budget.amountMicros)} is used up (${usd(spent)} spent, more in flight); it resets at ${resets}`,
      { 'x-should-retry': 'false', 'x-ccag-budget-remaining-usd': '0.00', 'x-ccag-budget-resets': resets },
    );
    error.refusal = { kind: 'budget', scope: a.budget.scope };
    return error;
  }

  private headers(accounts: Account[], now: Date): Record<string, string> {
    let tightest: { remaining: number; resets: string } | undefined;
    for (const a of accounts) {
      const remaining = Math.max(0, a.budget.amountMicros - a.spentSeen - a.unsettled);
      if (!tightest || remaining < tightest.remaining) tightest = { remaining, resets: periodOf(a.budget.period, now).endIso };
    }
    return { 'x-ccag-budget-remaining-usd': (tightest!.remaining / 1_000_000).toFixed(2), 'x-ccag-budget-resets': tightest!.resets };
  }

  private async heartbeat(): Promise<void> {
    await this.db
      .query('UPDATE budget_leases SET updated_at = now() WHERE replica = $1', [this.replica])
      .catch((err: Error) => this.log?.warn({ err: err.message }, 'budget lease heartbeat failed'));
  }
}
