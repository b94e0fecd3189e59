import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ConfirmButton } from '../components/buttons.js';
import { Field, Form, optionalList, Select } from '../components/form.js';
import { Empty, ErrorNote, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { Table } from '../components/table.js';
import { toApiError, useApi } from '../use-api.js';

/** A notification channel as /admin/v1/notifications lists it; fields beyond these are shown as they come. */
interface Channel {
  id: string;
  name: string;
  kind: string;
  url?: string | null;
  topic_arn?: string | null;
  event_bus?: string | null;
  events?: string[] | null;
}

const kinds = [
  { value: 'webhook', label: 'Webhook (HMAC-signed)' },
  { value: 'sns', label: 'Amazon SNS' },
  { value: 'eventbridge', label: 'Amazon EventBridge' },
];
/** Each kind's destination field. */
const destination: Record<string, keyof Channel> = { webhook: 'url', sns: 'topic_arn', eventbridge: 'event_bus' };

/** Where budget thresholds, key expiry, endpoint health and SCIM deactivations are sent. */
export function NotificationsPage() {
  const channels = useApi<{ data: Channel[] }>('/notifications');
  const [tested, setTested] = useState<{ name: string; error?: Error } | undefined>();
  const create = async (v: Record<string, string>) => {
    await api.post('/notifications', { name: v.name, kind: v.kind, [destination[v.kind] ?? 'url']: v.target, events: optionalList(v.events) });
    channels.reload();
  };
  const test = (c: Channel) => api.post(`/notifications/${seg(c.id)}/test`, {}).then(() => setTested({ name: c.name }), (e) => setTested({ name: c.name, error: toApiError(e) }));
  const intro = 'Budget thresholds, key expiry, endpoint health changes and SCIM deactivations, sent to webhooks, Amazon SNS or Amazon EventBridge.';
  if (channels.error?.status === 404) {
    return html`<${Page} title="Notifications" intro=${intro}>
      <${Empty} title="Notifications are not available on this gateway.">This gateway's version has no notifications API (/admin/v1/notifications). Upgrade the gateway to configure them here.</${Empty}>
    </${Page}>`;
  }
  return html`<${Page} title="Notifications" intro=${intro}>
    <${Panel} title="Add a channel">
      <${Form} label="Add a notification channel" submit="Add channel" onSubmit=${create}>
        <${Field} label="Name" name="name" required placeholder="ops-webhook" />
        <${Select} label="Kind" name="kind" options=${kinds} />
        <${Field} label="Destination" name="target" required hint="webhook URL, SNS topic ARN or EventBridge bus name" />
        <${Field} label="Events" name="events" placeholder="all" hint="comma-separated; empty for all" />
      </${Form}>
    </${Panel}>
    <${Panel} title="Channels">
      ${tested ? (tested.error ? html`<${ErrorNote} error=${tested.error} />` : html`<p class="ok" role="status">Test notification sent to ${tested.name}.</p>`) : null}
      <${LoadState} loading=${channels.loading} error=${channels.error} hasData=${!!channels.data} />
      ${channels.data
        ? html`<${Table}
            caption="Notification channels"
            rows=${channels.data.data}
            rowKey=${(c: Channel) => c.id}
            empty=${html`<${Empty} title="No channels.">Nobody is told when a budget runs low. Add a channel above and send it a test.</${Empty}>`}
            columns=${[
              { label: 'Name', value: (c: Channel) => c.name },
              { label: 'Kind', value: (c: Channel) => c.kind },
              { label: 'Destination', value: (c: Channel) => String(c[destination[c.kind] ?? 'url'] ?? '—') },
              { label: 'Events', value: (c: Channel) => c.events?.join(', ') || 'all' },
              {
                label: '',
                value: (c: Channel) => html`<span class="row-actions">
                  <button type="button" class="small" onClick=${() => test(c)}>Send test</button>
                  <${ConfirmButton} label="Delete" question=${`Delete ${c.name}?`} onConfirm=${() => api.del(`/notifications/${seg(c.id)}`).then(channels.reload)} />
                </span>`,
              },
            ]}
          />`
        : null}
    </${Panel}>
  </${Page}>`;
}
