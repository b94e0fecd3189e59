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
