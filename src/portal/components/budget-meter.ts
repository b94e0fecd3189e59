import { html } from 'htm/preact';
import { usd } from '../format.js';

/** Spent against a budget, as a meter with the numbers written out beside it. */
export function BudgetMeter({ spent, amount, label }: { spent: number; amount: number; label: string }) {
  const ratio = amount > 0 ? spent / amount : 0;
  const level = ratio >= 1 ? 'over' : ratio >= 0.8 ? 'near' : 'ok';
  return html`<div class="meter-row">
    <meter class=${`meter ${level}`} min="0" max=${amount} low=${amount * 0.8} high=${amount * 0.99} optimum="0" value=${Math.min(spent, amount)} aria-label=${label}></meter>
    <span>${usd(spent)} of ${usd(amount)} (${Math.round(ratio * 100)}%)</span>
  </div>`;
}
