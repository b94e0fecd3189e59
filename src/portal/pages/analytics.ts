import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { AnalyticsBreakdownRow as BreakdownRow, AnalyticsBudget, AnalyticsLatency, AnalyticsSummary, AnalyticsTimeseries, Page as ListPage, Percentiles, Team } from '../../api/schemas.js';
import { apiUrl, type Query } from '../api.js';
import { TimeChart } from '../components/chart.js';
import { Field, Select } from '../components/form.js';
import { Empty, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Stat, Stats } from '../components/stat.js';
import { Table } from '../components/table.js';
import { day, int, ms, pct, percentiles, usd } from '../format.js';
import { useApi } from '../use-api.js';

const ranges = [
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
];

const percentileSeries = (p: Percentiles<(number | null)[]>, prefix: string) => [
  { label: `${prefix} p50`, values: p.p50 },
  { label: `${prefix} p95`, values: p.p95 },
  { label: `${prefix} p99`, values: p.p99 },
];

/** Spend, usage and latency over time, filtered by team, user, model and endpoint; CSV export. */
export function AnalyticsPage() {
  const [range, setRange] = useState('7d');
  const [granularity, setGranularity] = useState('day');
  const [groupBy, setGroupBy] = useState('user');
  const [filters, setFilters] = useState({ team: '', user: '', model: '', endpoint: '' });
  const teams = useApi<ListPage<Team>>('/teams', { limit: 500 });

  const q: Query = { since: range, ...filters };
  const summary = useApi<AnalyticsSummary>('/analytics/summary', q);
  const spend = useApi<AnalyticsTimeseries>('/analytics/timeseries', { ...q, granularity, metric: 'spend_usd', group_by: groupBy });
  const requests = useApi<AnalyticsTimeseries>('/analytics/timeseries', { ...q, granularity, metric: 'requests', group_by: 'none' });
  const users = useApi<AnalyticsTimeseries>('/analytics/timeseries', { ...q, granularity, metric: 'active_users', group_by: 'none' });
  const latency = useApi<AnalyticsLatency>('/analytics/latency', { ...q, granularity });
  const tools = useApi<{ data: BreakdownRow[] }>('/analytics/breakdown', { ...q, by: 'tool' });
  const endpoints = useApi<{ data: BreakdownRow[] }>('/analytics/breakdown', { ...q, by: 'endpoint' });
  const budgets = useApi<{ data: AnalyticsBudget[] }>('/analytics/budgets', filters);
  // The models filter offers the models requests used in the range.
  const models = useApi<{ data: BreakdownRow[] }>('/analytics/breakdown', { since: range, by: 'model' });

  // The CSV is the spend report of `ccag spend --csv` for the same range and filters.
  const sinceIso = new Date(Date.now() - ranges.find((r) => r.value === range)!.ms).toISOString();
  const csv = apiUrl('/spend', { by: groupBy, since: sinceIso, team: filters.team, user: filters.user, model: filters.model, format: 'csv' });

  const setFilter = (name: keyof typeof filters) => (value: string) => setFilters({ ...filters, [name]: value });
  const s = summary.data;
  const tokens = s ? s.input_tokens + s.output_tokens + s.cache_read_tokens + s.cache_write_tokens : 0;
  const share = (n: number) => (tokens ? pct(n / tokens) : '—');

  return html`<${Page} title="Analytics" intro="Spend, usage and latency of the requests that went through this gateway.">
    <div class="filters" role="search" aria-label="Analytics filters">
      <${Select} label="Time range" name="range" value=${range} options=${ranges} onChange=${setRange} />
      <${Select} label="Granularity" name="granularity" value=${granularity} options=${['hour', 'day', 'week']} onChange=${setGranularity} />
      <${Select} label="Spend by" name="group_by" value=${groupBy} options=${['user', 'team', 'model']} onChange=${setGroupBy} />
      <${Select} label="Team" name="team" value=${filters.team} options=${[{ value: '', label: 'All teams' }, ...(teams.data?.data ?? []).map((t) => t.name)]} onChange=${setFilter('team')} />
      <${Select} label="Model" name="model" value=${filters.model} options=${[{ value: '', label: 'All models' }, ...(models.data?.data ?? []).flatMap((m) => (m.key ? [m.key] : []))]} onChange=${setFilter('model')} />
      <${Field} label="User" name="user" placeholder="email" hideOptional onChange=${setFilter('user')} />
      <${Field} label="Endpoint" name="endpoint" placeholder="name" hideOptional onChange=${setFilter('endpoint')} />
      <a class="button" href=${csv} download>Export CSV</a>
    </div>

    <${LoadState} loading=${summary.loading} error=${summary.error} hasData=${!!s} />
    ${s
      ? html`<${Stats}>
          <${Stat} label="Spend" value=${usd(s.spend_usd)} />
          <${Stat} label="Requests" value=${int(s.requests)} note=${s.errors ? `${int(s.errors)} errors` : 'no errors'} />
          <${Stat} label="Active users" value=${int(s.active_users)} />
          <${Stat} label="Cache hit rate" value=${pct(s.cache_hit_rate)} />
          <${Stat} label="Latency p50 / p95 / p99" value=${percentiles([s.latency_ms.p50, s.latency_ms.p95, s.latency_ms.p99])} />
          <${Stat} label="Time to first token p50 / p95" value=${percentiles([s.ttft_ms.p50, s.ttft_ms.p95])} />
        </${Stats}>`
      : null}
    ${s && s.requests === 0 ? html`<${Empty} title="No requests in this range.">Widen the time range or clear the filters; once developers connect (see Connect), their requests show up here.</${Empty}>` : null}

    ${s?.requests === 0
      ? null
      : html`<div class="grid">
          <${Panel} title=${`Spend by ${groupBy}`}>
            <${LoadState} loading=${spend.loading} error=${spend.error} hasData=${!!spend.data} />
            ${spend.data ? html`<${TimeChart} label=${`Spend in USD by ${groupBy}`} buckets=${spend.data.buckets} series=${spend.data.series} format=${(v: number) => usd(v)} />` : null}
          </${Panel}>
          <${Panel} title="Requests and active users">
            <${LoadState} loading=${requests.loading} error=${requests.error ?? users.error} hasData=${!!requests.data} />
            ${requests.data && users.data
              ? html`<${TimeChart} label="Requests and active users over time" buckets=${requests.data.buckets} series=${[{ label: 'requests', values: requests.data.series[0]?.values ?? [] }, { label: 'active users', values: users.data.series[0]?.values ?? [] }]} format=${(v: number) => int(v)} />`
              : null}
          </${Panel}>
          <${Panel} title="Latency">
            <${LoadState} loading=${latency.loading} error=${latency.error} hasData=${!!latency.data} />
            ${latency.data ? html`<${TimeChart} label="Latency percentiles in milliseconds" buckets=${latency.data.buckets} series=${percentileSeries(latency.data.latency_ms, 'latency')} format=${(v: number) => ms(v)} />` : null}
          </${Panel}>
          <${Panel} title="Time to first token">
            ${latency.data ? html`<${TimeChart} label="Time to first token percentiles in milliseconds" buckets=${latency.data.buckets} series=${percentileSeries(latency.data.ttft_ms, 'ttft')} format=${(v: number) => ms(v)} />` : null}
          </${Panel}>
        </div>`}

    <div class="grid">
      <${Panel} title="Token mix">
        ${s
          ? html`<${Table}
              caption="Token mix"
              rows=${[
                ['Input', s.input_tokens],
                ['Output', s.output_tokens],
                ['Cache read', s.cache_read_tokens],
                ['Cache write', s.cache_write_tokens],
              ]}
              rowKey=${(r: [string, number]) => r[0]}
              empty=${null}
              columns=${[
                { label: 'Tokens', value: (r: [string, number]) => r[0] },
                { label: 'Count', value: (r: [string, number]) => int(r[1]), numeric: true },
                { label: 'Share', value: (r: [string, number]) => share(r[1]), numeric: true },
              ]}
            />`
          : null}
      </${Panel}>
      <${Panel} title="Budgets and forecast">
        <${LoadState} loading=${budgets.loading} error=${budgets.error} hasData=${!!budgets.data} />
        ${budgets.data
          ? html`<${Table}
              caption="Budget status and forecast to the end of the period"
              rows=${budgets.data.data}
              rowKey=${(b: AnalyticsBudget) => b.id}
              empty=${html`<${Empty} title="No budgets.">Set one on the Budgets page to see a forecast here.</${Empty}>`}
              columns=${[
                { label: 'Budget', value: (b: AnalyticsBudget) => `${b.scope} ${b.target_label ?? ''}` },
                { label: 'Spent', value: (b: AnalyticsBudget) => `${usd(b.spent_usd)} of ${usd(b.amount_usd)}`, numeric: true },
                { label: 'Forecast', value: (b: AnalyticsBudget) => html`<span class=${b.forecast_exceeds ? 'error-text' : undefined}>${usd(b.forecast_usd)}${b.forecast_exceeds ? ' (over)' : ''}</span>`, numeric: true },
                { label: 'Period ends', value: (b: AnalyticsBudget) => day(b.period_end) },
              ]}
            />`
          : null}
      </${Panel}>
    </div>

    <div class="grid">
      <${Panel} title="Tool usage">
        <${LoadState} loading=${tools.loading} error=${tools.error} hasData=${!!tools.data} />
        ${tools.data ? html`<${Breakdown} caption="Tool usage" label="Tool" rows=${tools.data.data} empty="No tool calls in this range." />` : null}
      </${Panel}>
      <${Panel} title="Endpoint utilisation">
        <${LoadState} loading=${endpoints.loading} error=${endpoints.error} hasData=${!!endpoints.data} />
        ${endpoints.data ? html`<${Breakdown} caption="Endpoint utilisation" label="Endpoint" rows=${endpoints.data.data} empty="No requests reached an endpoint in this range." />` : null}
      </${Panel}>
    </div>
  </${Page}>`;
}

function Breakdown({ caption, label, rows, empty }: { caption: string; label: string; rows: BreakdownRow[]; empty: string }) {
  return html`<${Table}
    caption=${caption}
    rows=${rows}
    rowKey=${(r: BreakdownRow) => r.key ?? r.label}
    empty=${html`<${Empty} title=${empty} />`}
    columns=${[
      { label, value: (r: BreakdownRow) => r.label },
      { label: 'Requests', value: (r: BreakdownRow) => int(r.requests), numeric: true },
      { label: 'Errors', value: (r: BreakdownRow) => int(r.errors), numeric: true },
      { label: 'Spend', value: (r: BreakdownRow) => usd(r.spend_usd), numeric: true },
      { label: 'p50', value: (r: BreakdownRow) => ms(r.latency_p50_ms), numeric: true },
    ]}
  />`;
}
