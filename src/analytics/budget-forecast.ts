import type { AnalyticsBudget, BudgetView } from '../api/schemas.js';

const minElapsedMs = 3_600_000;

/**
 * A budget with where its period is heading: this period's spend extrapolated linearly to the
 * period's end. The first hour counts as a whole hour, so one early request does not forecast
 * a fortune.
 */
export function forecastBudget(b: BudgetView, now = new Date()): AnalyticsBudget {
  const start = new Date(b.period_start).getTime();
  const end = new Date(b.resets_at).getTime();
  const elapsed = Math.max(minElapsedMs, now.getTime() - start);
  const forecast = elapsed >= end - start ? b.spent_usd : (b.spent_usd * (end - start)) / elapsed;
  return {
    id: b.id,
    scope: b.scope,
    target_id: b.target_id,
    target_label: b.target,
    amount_usd: b.amount_usd,
    period: b.period,
    period_start: b.period_start,
    period_end: b.resets_at,
    spent_usd: b.spent_usd,
    remaining_usd: b.remaining_usd,
    forecast_usd: Math.round(forecast * 1e6) / 1e6,
    forecast_exceeds: forecast > b.amount_usd,
  };
}
