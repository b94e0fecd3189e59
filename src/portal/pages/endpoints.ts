import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { EndpointTestResult, EndpointView, Page as ListPage } from '../../api/schemas.js';
import { api, seg } from '../api.js';
import { ConfirmButton } from '../components/buttons.js';
import { Checkbox, Field, Form, optional, optionalNumber, Select } from '../components/form.js';
import { Empty, ErrorNote, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Table } from '../components/table.js';
import { int, ms } from '../format.js';
import { toApiError, useApi } from '../use-api.js';

/** Bedrock accounts and regions the gateway routes to, with this replica's view of their health. */
export function EndpointsPage() {
  const endpoints = useApi<ListPage<EndpointView>>('/endpoints');
  const [tested, setTested] = useState<EndpointTestResult | Error | undefined>();
  const create = async (v: Record<string, string>) => {
    await api.post('/endpoints', {
      name: v.name,
      region: v.region,
      credentials: v.role_arn ? { type: 'assume_role', roleArn: v.role_arn } : undefined,
      profile_prefix: optional(v.profile_prefix),
      priority: optionalNumber(v.priority),
      weight: optionalNumber(v.weight),
      enabled: v.enabled === 'on',
    });
    endpoints.reload();
  };
  const test = (e: EndpointView) => api.post<EndpointTestResult>(`/endpoints/${seg(e.id)}/test`, {}).then(setTested, (err) => setTested(toApiError(err)));
  return html`<${Page} title="Endpoints" intro="Bedrock accounts and regions. Without any, the gateway calls Bedrock with its own credentials and region.">
    <${Panel} title="Add an endpoint">
      <${Form} label="Add an endpoint" submit="Add endpoint" onSubmit=${create}>
        <${Field} label="Name" name="name" required placeholder="e.g. prod-us-east-1" />
        <${Field} label="Region" name="region" required placeholder="e.g. us-east-1" />
        <${Field} label="Role ARN to assume" name="role_arn" placeholder="arn:aws:iam::123456789012:role/bedrock" />
        <${Select} label="Inference profile" name="profile_prefix" options=${[{ value: '', label: '(from the region)' }, 'us', 'eu', 'apac', 'au', 'jp', 'us-gov', 'global']} />
        <${Field} label="Priority" name="priority" type="number" min="0" />
        <${Field} label="Weight" name="weight" type="number" min="1" />
        <${Checkbox} label="Enabled" name="enabled" checked />
      </${Form}>
    </${Panel}>
    <${Panel} title="Endpoints and health">
      ${tested instanceof Error ? html`<${ErrorNote} error=${tested} />` : tested ? html`<p class=${tested.ok ? 'ok' : 'error'} role="status">${tested.endpoint}: ${tested.ok ? `answered in ${ms(tested.latency_ms)} (${tested.bedrock_model})` : tested.error}</p>` : null}
      <${LoadState} loading=${endpoints.loading} error=${endpoints.error} hasData=${!!endpoints.data} />
      ${endpoints.data
        ? html`<${Table}
            caption="Endpoints"
            rows=${endpoints.data.data}
            rowKey=${(e: EndpointView) => e.id}
            empty=${html`<${Empty} title="No endpoints.">Requests go to Bedrock in the gateway's own region. Add an endpoint to use more accounts or regions with failover.</${Empty}>`}
            columns=${[
              { label: 'Name', value: (e: EndpointView) => e.name },
              { label: 'Region', value: (e: EndpointView) => e.region },
              { label: 'Credentials', value: (e: EndpointView) => (e.credentials.type === 'assume_role' ? e.credentials.roleArn : 'default') },
              { label: 'Priority', value: (e: EndpointView) => e.priority, numeric: true },
              { label: 'Enabled', value: (e: EndpointView) => (e.enabled ? 'yes' : 'no') },
              { label: 'Health', value: (e: EndpointView) => html`<span class=${`badge ${e.health.state === 'closed' ? 'active' : 'revoked'}`}>${e.health.state === 'closed' ? 'healthy' : e.health.state}</span>` },
              { label: 'Requests', value: (e: EndpointView) => int(e.health.requests), numeric: true },
              { label: 'Errors', value: (e: EndpointView) => int(e.health.errors), numeric: true },
              { label: 'Latency', value: (e: EndpointView) => ms(e.health.latency_ms), numeric: true },
              {
                label: '',
                value: (e: EndpointView) => html`<span class="row-actions">
                  <button type="button" class="small" onClick=${() => test(e)}>Test</button>
                  <${ConfirmButton} label="Delete" question=${`Delete endpoint ${e.name}?`} onConfirm=${() => api.del(`/endpoints/${seg(e.id)}`).then(endpoints.reload)} />
                </span>`,
              },
            ]}
          />`
        : null}
    </${Panel}>
  </${Page}>`;
}
