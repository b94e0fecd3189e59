import { html } from 'htm/preact';

/** One headline number: a label and its value, with an optional note below. */
export function Stat({ label, value, note }: { label: string; value: string; note?: string }) {
  return html`<div class="stat"><dt>${label}</dt><dd>${value}${note ? html`<small class="muted">${note}</small>` : null}</dd></div>`;
}

export function Stats({ children }: { children: unknown }) {
  return html`<dl class="stats">${children}</dl>`;
}
