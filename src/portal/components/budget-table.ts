import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import type { BudgetView } from '../../api/schemas.js';
import { when } from '../format.js';
import type { Loaded } from '../use-api.js';
import { BudgetMeter } from './budget-meter.js';
import { LoadState } from './notes.js';
import { Table, type Column } from './table.js';

/**
 * Budgets as a table: loading and errors in place, period, spend as a meter and the reset
 * time; a page names the budget its own way (`who`) and may add columns (`more`, before Resets; `actions`, last).
 */
export function BudgetTable({ budgets, empty, who, more = [], actions = [] }: {
  budgets: Loaded<{ data: BudgetView[] }>;
  empty: ComponentChildren;
  who: Column<BudgetView>[];
  more?: Column<BudgetView>[];
  actions?: Column<BudgetView>[];
}) {
  return html`<${LoadState} loading=${budgets.loading} error=${budgets.error} hasData=${!!budgets.data} />
    ${budgets.data
      ? html`<${Table}
          caption="Budgets"
          rows=${budgets.data.data}
          rowKey=${(b: BudgetView) => b.id}
          empty=${empty}
          columns=${[
            ...who,
            { label: 'Period', value: (b: BudgetView) => b.period },
            { label: 'Spent', value: (b: BudgetView) => html`<${BudgetMeter} spent=${b.spent_usd} amount=${b.amount_usd} label=${`${b.scope} ${b.target} budget used`} />` },
            ...more,
            { label: 'Resets', value: (b: BudgetView) => when(b.resets_at) },
            ...actions,
          ]}
        />`
      : null}`;
}
