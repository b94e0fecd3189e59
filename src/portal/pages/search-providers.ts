import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { Page as ListPage, SearchProviderTestResult, SearchProviderView } from '../../api/schemas.js';
import { api, seg } from '../api.js';
import { ConfirmButton } from '../components/buttons.js';
import { Checkbox, Field, Form, optional, Select } from '../components/form.js';
import { Empty, ErrorNote, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Table } from '../components/table.js';
import { ms } from '../format.js';
import { toApiError, useApi } from '../use-api.js';

const kinds = ['duckduckgo', 'brave', 'tavily', 'serper', 'searxng', 'custom'];

/** Web search providers the gateway searches with, and who uses which. */
export function SearchProvidersPage() {
  const providers = useApi<ListPage<SearchProviderView>>('/search-providers');
  const [result, setResult] = useState<SearchProviderTestResult | Error | undefined>();
  const create = async (v: Record<string, string>) => {
    await api.post('/search-providers', { name: v.name, kind: v.kind, url: optional(v.url), api_key: optional(v.api_key) });
    if (v.gateway_default === 'on') await api.put(`/search-providers/${seg(v.name)}/assign`, { scope: 'gateway' });
    providers.reload();
  };
  const test = (p: SearchProviderView) => api.post<SearchProviderTestResult>(`/search-providers/${seg(p.id)}/test`, {}).then(setResult, (e) => setResult(toApiError(e)));
  return html`<${Page} title="Search providers" intro="Claude's web search tool is served by the gateway with one of these providers. A user's own, then their team's, then the gateway's assignment is used.">
    <${Panel} title="Add a search provider">
      <${Form} label="Add a search provider" submit="Add provider" onSubmit=${create}>
        <${Field} label="Name" name="name" required placeholder="e.g. brave" />
        <${Select} label="Kind" name="kind" options=${kinds} />
        <${Field} label="URL" name="url" type="url" hint="searxng and custom only" />
        <${Field} label="API key" name="api_key" type="password" autocomplete="new-password" />
        <${Checkbox} label="Use it for the whole gateway" name="gateway_default" />
      </${Form}>
    </${Panel}>
    <${Panel} title="Providers">
      ${result instanceof Error ? html`<${ErrorNote} error=${result} />` : result ? html`<p class=${result.ok ? 'ok' : 'error'} role="status">${result.ok ? `${result.provider}: ${result.results} results for "${result.query}" in ${ms(result.latency_ms)}` : result.error}</p>` : null}
      <${LoadState} loading=${providers.loading} error=${providers.error} hasData=${!!providers.data} />
      ${providers.data
        ? html`<${Table}
            caption="Search providers"
            rows=${providers.data.data}
            rowKey=${(p: SearchProviderView) => p.id}
            empty=${html`<${Empty} title="No search providers.">Web search uses the provider of the gateway's CCAG_SEARCH_* settings (DuckDuckGo when none are set). Add one above to use another, for everyone or for a team.</${Empty}>`}
            columns=${[
              { label: 'Name', value: (p: SearchProviderView) => p.name },
              { label: 'Kind', value: (p: SearchProviderView) => p.kind },
              { label: 'API key', value: (p: SearchProviderView) => (p.has_api_key ? 'stored' : 'none') },
              { label: 'Used by', value: (p: SearchProviderView) => p.assignments.map((a) => (a.scope === 'gateway' ? 'everyone' : `${a.scope} ${a.subject}`)).join(', ') || 'nobody yet' },
              {
                label: '',
                value: (p: SearchProviderView) => html`<span class="row-actions">
                  <button type="button" class="small" onClick=${() => test(p)}>Test</button>
                  <${ConfirmButton} label="Delete" question=${`Delete ${p.name}?`} onConfirm=${() => api.del(`/search-providers/${seg(p.id)}`).then(providers.reload)} />
                </span>`,
              },
            ]}
          />`
        : null}
    </${Panel}>
  </${Page}>`;
}
