import { html } from 'htm/preact';
import type { BudgetView } from '../../api/schemas.js';
import { api, seg } from '../api.js';
import { BudgetTable } from '../components/budget-table.js';
import { ConfirmButton } from '../components/buttons.js';
import { Field, Form, Select } from '../components/form.js';
import { Empty } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { useApi } from '../use-api.js';

const rulesText = (b: BudgetView) => b.rules.map((r) => `${r.pct}% ${r.action}${r.action === 'throttle' ? ` ${r.rpm} rpm` : ''}`).join(', ');

/** Budgets per user, team or key: set (one per target; setting again replaces it), watch, remove. */
export function BudgetsPage() {
  const budgets = useApi<{ data: BudgetView[] }>('/budgets');
  const set = async (v: Record<string, string>) => {
    await api.put('/budgets', { scope: v.scope, target: v.target, amount_usd: Number(v.amount_usd), period: v.period });
    budgets.reload();
  };
  return html`<${Page} title="Budgets" intro="Spend limits in USD per calendar period (UTC). By default 80% sends a notification and 100% blocks new requests.">
    <${Panel} title="Set a budget">
      <${Form} label="Set a budget" submit="Set budget" onSubmit=${set}>
        <${Select} label="For a" name="scope" options=${['team', 'user', 'key']} />
        <${Field} label="Team, user or key" name="target" required placeholder="team name, email or key prefix" />
        <${Field} label="Amount (USD)" name="amount_usd" type="number" step="0.01" min="0.01" required />
        <${Select} label="Period" name="period" options=${['monthly', 'weekly', 'daily']} />
      </${Form}>
    </${Panel}>
    <${Panel} title="Budgets">
      <${BudgetTable}
        budgets=${budgets}
        empty=${html`<${Empty} title="No budgets yet.">Set one above; without a budget, only rate limits bound spend.</${Empty}>`}
        who=${[
          { label: 'Scope', value: (b: BudgetView) => b.scope },
          { label: 'Target', value: (b: BudgetView) => b.target ?? b.target_id },
        ]}
        more=${[{ label: 'Rules', value: rulesText }]}
        actions=${[{ label: '', value: (b: BudgetView) => html`<${ConfirmButton} label="Remove" question=${`Remove the budget of ${b.target}?`} onConfirm=${() => api.del(`/budgets/${seg(b.id)}`).then(budgets.reload)} />` }]}
      />
    </${Panel}>
  </${Page}>`;
}
