import { html } from 'htm/preact';
import type { BudgetView, SpendRow } from '../../api/schemas.js';
import { BudgetTable } from '../components/budget-table.js';
import { Empty, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Stat, Stats } from '../components/stat.js';
import { Table } from '../components/table.js';
import { int, usd } from '../format.js';
import { useMe } from '../session.js';
import { useApi } from '../use-api.js';

const since = new Date(Date.now() - 30 * 86_400_000).toISOString();

/** The signed-in person's spend in the last 30 days, by day and by model, and the budgets over them. */
export function MyUsagePage() {
  const me = useMe();
  const mine = { user: me.user?.id, since };
  const byDay = useApi<{ data: SpendRow[] }>('/spend', { ...mine, by: 'day' });
  const byModel = useApi<{ data: SpendRow[] }>('/spend', { ...mine, by: 'model' });
  const budgets = useApi<{ data: BudgetView[] }>('/budgets');
  const days = byDay.data?.data ?? [];
  const total = days.reduce((t, r) => ({ cost: t.cost + r.cost_usd, requests: t.requests + r.requests, tokens: t.tokens + r.input_tokens + r.output_tokens }), { cost: 0, requests: 0, tokens: 0 });
  const noUsage = html`<${Empty} title="No requests in the last 30 days.">Connect Claude Code (see Connect) and your usage shows up here.</${Empty}>`;
  const spendColumns = (label: string) => [
    { label, value: (r: SpendRow) => r.group },
    { label: 'Requests', value: (r: SpendRow) => int(r.requests), numeric: true },
    { label: 'Input tokens', value: (r: SpendRow) => int(r.input_tokens), numeric: true },
    { label: 'Output tokens', value: (r: SpendRow) => int(r.output_tokens), numeric: true },
    { label: 'Cost', value: (r: SpendRow) => usd(r.cost_usd), numeric: true },
  ];
  return html`<${Page} title="My usage" intro="What your requests cost in the last 30 days, and the budgets that limit them.">
    <${LoadState} loading=${byDay.loading} error=${byDay.error} hasData=${!!byDay.data} />
    <${Stats}>
      <${Stat} label="Spend (30 days)" value=${usd(total.cost)} />
      <${Stat} label="Requests" value=${int(total.requests)} />
      <${Stat} label="Tokens" value=${int(total.tokens)} />
    </${Stats}>
    <${Panel} title="Budgets">
      <${BudgetTable}
        budgets=${budgets}
        empty=${html`<${Empty} title="No budget applies to you.">Your use is limited only by rate limits, if any.</${Empty}>`}
        who=${[{ label: 'For', value: (b: BudgetView) => `${b.scope} ${b.target ?? ''}` }]}
      />
    </${Panel}>
    <${Panel} title="By day">
      <${Table} caption="Spend by day" rows=${days} rowKey=${(r: SpendRow) => r.group} empty=${noUsage} columns=${spendColumns('Day')} />
    </${Panel}>
    <${Panel} title="By model">
      <${LoadState} loading=${byModel.loading} error=${byModel.error} hasData=${!!byModel.data} />
      <${Table} caption="Spend by model" rows=${byModel.data?.data ?? []} rowKey=${(r: SpendRow) => r.group} empty=${noUsage} columns=${spendColumns('Model')} />
    </${Panel}>
  </${Page}>`;
}
