export type BudgetPeriod = 'daily' | 'weekly' | 'monthly';

/** The start of the UTC calendar period containing `at` (weeks start Monday 00:00 UTC). */
export function periodStart(period: BudgetPeriod, at: Date): Date {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  if (period === 'monthly') return new Date(Date.UTC(y, m, 1));
  if (period === 'daily') return new Date(Date.UTC(y, m, d));
  const sinceMonday = (at.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(y, m, d - sinceMonday));
}

/** When the period containing `at` ends (the next one starts). */
export function periodEnd(period: BudgetPeriod, at: Date): Date {
  const start = periodStart(period, at);
  if (period === 'monthly') return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return new Date(start.getTime() + (period === 'daily' ? 1 : 7) * 86_400_000);
}

export interface Period {
  start: Date;
  /** start and end as ISO strings (account keys, the x-ccag-budget-resets header). */
  startIso: string;
  endIso: string;
}

/** The last period each kind was asked for: every request asks, and almost always for the same one. */
const recent = new Map<BudgetPeriod, Period & { from: number; to: number }>();

/** The period containing `at`, with its bounds as text. The Dates returned are shared: not to be changed. */
export function periodOf(period: BudgetPeriod, at: Date): Period {
  const t = at.getTime();
  const hit = recent.get(period);
  if (hit && t >= hit.from && t < hit.to) return hit;
  const start = periodStart(period, at);
  const end = periodEnd(period, at);
  const p = { start, startIso: start.toISOString(), endIso: end.toISOString(), from: start.getTime(), to: end.getTime() };
  recent.set(period, p);
  return p;
}
