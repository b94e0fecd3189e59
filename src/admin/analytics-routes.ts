import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  analyticsBreakdownQuery,
  analyticsQuery,
  analyticsTimeseriesQuery,
  type AnalyticsBreakdownRow,
  type AnalyticsBudget,
  type AnalyticsLatency,
  type AnalyticsQuery,
  type AnalyticsSummary,
  type AnalyticsTimeseries,
} from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { analyticsBreakdown } from '../analytics/breakdown.js';
import { forecastBudget } from '../analytics/budget-forecast.js';
import { analyticsLatency } from '../analytics/latency.js';
import { resolveRange } from '../analytics/range.js';
import type { RollupFilter } from '../analytics/rollups.js';
import { analyticsSummary } from '../analytics/summary.js';
import { analyticsTimeseries } from '../analytics/timeseries.js';
import type { Services } from '../server/services.js';
import { visibleBudgets } from './budget-routes.js';
import { reportScope } from './report-scope.js';
import { parseQuery, principalOf } from './request.js';

/**
 * Analytics for the portal, read from the request rollups: totals, time series, latency
 * percentiles, breakdowns and budget forecasts, scoped like spend reports (an admin sees all,
 * a team admin its team, anyone else themselves).
 */
export async function analyticsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db } = services;
  const access = { config: { access: adminApi() } };

  /** The rollup rows a request asks about. */
  async function filterOf(req: FastifyRequest, q: AnalyticsQuery): Promise<RollupFilter> {
    const range = resolveRange(q);
    await services.inference.requestLog.flush();
    return { range, scope: await reportScope(db, principalOf(req), q), model: q.model, endpoint: q.endpoint };
  }

  app.get('/analytics/summary', access, async (req): Promise<AnalyticsSummary> => {
    const q = parseQuery(analyticsQuery, req.query);
    return analyticsSummary(db, await filterOf(req, q));
  });

  app.get('/analytics/timeseries', access, async (req): Promise<AnalyticsTimeseries> => {
    const q = parseQuery(analyticsTimeseriesQuery, req.query);
    return analyticsTimeseries(db, await filterOf(req, q), q.metric, q.group_by);
  });

  app.get('/analytics/latency', access, async (req): Promise<AnalyticsLatency> => {
    const q = parseQuery(analyticsQuery, req.query);
    return analyticsLatency(db, await filterOf(req, q));
  });

  app.get('/analytics/breakdown', access, async (req): Promise<{ data: AnalyticsBreakdownRow[] }> => {
    const q = parseQuery(analyticsBreakdownQuery, req.query);
    return analyticsBreakdown(db, await filterOf(req, q), q.by);
  });

  app.get('/analytics/budgets', access, async (req): Promise<{ data: AnalyticsBudget[] }> => {
    parseQuery(analyticsQuery, req.query);
    await services.inference.requestLog.flush();
    const now = new Date();
    return { data: (await visibleBudgets(db, principalOf(req), now)).map((b) => forecastBudget(b, now)) };
  });
}
