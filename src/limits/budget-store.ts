import type { Logger } from 'pino';
import type { BudgetRule } from '../api/schemas.js';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/db.js';
import { ReloadingStore } from '../server/reloading-store.js';
import type { BudgetPeriod } from './periods.js';

export type BudgetScope = 'user' | 'team' | 'key';

export interface Budget {
  id: string;
  scope: BudgetScope;
  targetId: string;
  amountMicros: number;
  period: BudgetPeriod;
  rules: BudgetRule[];
  /** Spend at which requests are refused (the lowest block rule), or null: never blocks. */
  blockAtMicros: number | null;
}

interface BudgetRow {
  id: string;
  scope: BudgetScope;
  target_id: string;
  amount_micros: number;
  period: BudgetPeriod;
  rules: BudgetRule[];
}

export function toBudget(r: BudgetRow): Budget {
  const blockPcts = r.rules.filter((rule) => rule.action === 'block').map((rule) => rule.pct);
  return {
    id: r.id,
    scope: r.scope,
    targetId: r.target_id,
    amountMicros: Number(r.amount_micros),
    period: r.period,
    rules: r.rules,
    blockAtMicros: blockPcts.length ? Math.floor((Number(r.amount_micros) * Math.min(...blockPcts)) / 100) : null,
  };
}

/** Budgets in memory, by what they limit (topic `budgets`). */
export class BudgetStore extends ReloadingStore {
  private byTarget = new Map<string, Budget>();

  constructor(db: Db, log?: Logger) {
    super(db, 'budgets', log);
  }

  async reload(): Promise<void> {
    const { rows } = await this.db.query<BudgetRow>('SELECT id, scope, target_id, amount_micros, period, rules FROM budgets');
    this.byTarget = new Map(rows.map((r) => [`${r.scope}:${r.target_id}`, toBudget(r)]));
  }

  /** The budgets a request counts against: its key's, its user's and its team's. */
  applicable(p: Principal): Budget[] {
    if (this.byTarget.size === 0) return [];
    const out: Budget[] = [];
    const add = (scope: BudgetScope, id: string | null | undefined) => {
      const b = id ? this.byTarget.get(`${scope}:${id}`) : undefined;
      if (b) out.push(b);
    };
    add('key', p.keyId);
    add('user', p.userId);
    add('team', p.teamId);
    return out;
  }

  forRecord(r: { keyId: string | null; userId: string | null; teamId: string | null }): Budget[] {
    return this.applicable({ keyId: r.keyId ?? undefined, userId: r.userId, teamId: r.teamId } as Principal);
  }
}
