import { html } from 'htm/preact';
import type { ModelMappingView, PriceView } from '../../api/schemas.js';
import { api, seg } from '../api.js';
import { Field, Form, optional, optionalNumber } from '../components/form.js';
import { Empty, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Table } from '../components/table.js';
import { int, usd } from '../format.js';
import { useApi } from '../use-api.js';

const perMtok = (n: number) => `${usd(n)}`;

/** The models clients may name, what Bedrock is called with, and the prices spend is computed from. */
export function ModelsPage() {
  const models = useApi<{ data: ModelMappingView[] }>('/models');
  const prices = useApi<{ data: PriceView[] }>('/pricing');
  const map = async (v: Record<string, string>) => {
    await api.put(`/models/${seg(v.model)}`, { bedrock_model: v.bedrock_model, display_name: optional(v.display_name) });
    models.reload();
  };
  const price = async (v: Record<string, string>) => {
    await api.put(`/pricing/${seg(v.model)}`, { input: Number(v.input), output: Number(v.output), cache_read: optionalNumber(v.cache_read), cache_write_5m: optionalNumber(v.cache_write_5m) });
    prices.reload();
  };
  return html`<${Page} title="Models and pricing" intro="Model names clients send, the Bedrock model or inference profile each one calls, and prices in USD per million tokens.">
    <${Panel} title="Models">
      <${Form} label="Map a model" submit="Map model" onSubmit=${map} inline>
        <${Field} label="Model" name="model" required placeholder="e.g. claude-sonnet-4-5" />
        <${Field} label="Bedrock model" name="bedrock_model" required placeholder="e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0" />
        <${Field} label="Display name" name="display_name" />
      </${Form}>
      <${LoadState} loading=${models.loading} error=${models.error} hasData=${!!models.data} />
      ${models.data
        ? html`<${Table}
            caption="Models"
            rows=${models.data.data}
            rowKey=${(m: ModelMappingView) => m.model}
            empty=${html`<${Empty} title="No models.">Map a model name to a Bedrock model above.</${Empty}>`}
            columns=${[
              { label: 'Model', value: (m: ModelMappingView) => m.model },
              { label: 'Bedrock model', value: (m: ModelMappingView) => html`<code>${m.bedrock_model}</code>` },
              { label: 'Context', value: (m: ModelMappingView) => (m.context_window ? int(m.context_window) : '—'), numeric: true },
              { label: 'Source', value: (m: ModelMappingView) => m.source },
            ]}
          />`
        : null}
    </${Panel}>
    <${Panel} title="Prices (USD per million tokens)">
      <${Form} label="Set a price" submit="Set price" onSubmit=${price} inline>
        <${Field} label="Model" name="model" required />
        <${Field} label="Input" name="input" type="number" step="0.001" min="0" required />
        <${Field} label="Output" name="output" type="number" step="0.001" min="0" required />
        <${Field} label="Cache read" name="cache_read" type="number" step="0.001" min="0" />
        <${Field} label="Cache write 5m" name="cache_write_5m" type="number" step="0.001" min="0" />
      </${Form}>
      <${LoadState} loading=${prices.loading} error=${prices.error} hasData=${!!prices.data} />
      ${prices.data
        ? html`<${Table}
            caption="Prices"
            rows=${prices.data.data}
            rowKey=${(p: PriceView) => p.model}
            empty=${html`<${Empty} title="No prices.">Set one above; requests to unpriced models are flagged in spend reports.</${Empty}>`}
            columns=${[
              { label: 'Model', value: (p: PriceView) => (p.model === '*' ? '* (any other model)' : p.model) },
              { label: 'Input', value: (p: PriceView) => perMtok(p.input), numeric: true },
              { label: 'Output', value: (p: PriceView) => perMtok(p.output), numeric: true },
              { label: 'Cache read', value: (p: PriceView) => perMtok(p.cache_read), numeric: true },
              { label: 'Cache write 5m', value: (p: PriceView) => perMtok(p.cache_write_5m), numeric: true },
              { label: 'Cache write 1h', value: (p: PriceView) => perMtok(p.cache_write_1h), numeric: true },
              { label: 'Source', value: (p: PriceView) => (p.source === 'list' ? 'list price' : 'set here') },
            ]}
          />`
        : null}
    </${Panel}>
  </${Page}>`;
}
