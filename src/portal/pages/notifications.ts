import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ConfirmButton } from '../components/buttons.js';
import { Checkbox, Field, Form, optional, Select } from '../components/form.js';
import { Empty, ErrorNote, LoadState } from '../components/notes.js';
import { Page, Panel } from '../components/page.js';
import { SecretOnce } from '../components/secret-once.js';
import { Table } from '../components/table.js';
import { toApiError, useApi } from '../use-api.js';

// The notifications API's shapes (docs/admin-api.md, Notifications), as far as this page uses them.
type DestinationType = 'webhook' | 'sns' | 'eventbridge';
interface Destination {
  id: string;
  name: string;
  type: DestinationType;
  events: string[];
  enabled: boolean;
  url: string | null;
  topic_arn: string | null;
  event_bus: string | null;
}
interface TestResult {
  ok: boolean;
  delivery: { status: string; http_status: number | null; error: string | null };
}

const eventTypes = ['budget.threshold', 'budget.blocked', 'key.expiring', 'key.revoked', 'user.deactivated', 'endpoint.unhealthy', 'endpoint.recovered'];
const types = [
  { value: 'webhook', label: 'Webhook (HMAC-signed)' },
  { value: 'sns', label: 'Amazon SNS topic' },
  { value: 'eventbridge', label: 'Amazon EventBridge bus' },
];
/** Each type's destination field. */
const target: Record<DestinationType, 'url' | 'topic_arn' | 'event_bus'> = { webhook: 'url', sns: 'topic_arn', eventbridge: 'event_bus' };

/** Where budget thresholds, key expiry and revocation, endpoint health and deactivations are sent. */
export function NotificationsPage() {
  const destinations = useApi<{ data: Destination[] }>('/notifications');
  const [secret, setSecret] = useState<{ name: string; value: string } | undefined>();
  const [tested, setTested] = useState<{ name: string; result?: TestResult; error?: Error } | undefined>();
  const create = async (v: Record<string, string>) => {
    const type = v.type as DestinationType;
    const created = await api.post<Destination & { signing_secret?: string }>('/notifications', {
      name: v.name,
      type,
      [target[type]]: v.target,
      region: type === 'webhook' ? undefined : optional(v.region),
      events: eventTypes.filter((e) => v[`event:${e}`] === 'on'),
    });
    if (created.signing_secret) setSecret({ name: created.name, value: created.signing_secret });
    destinations.reload();
  };
  const test = (d: Destination) =>
    api.post<TestResult>(`/notifications/${seg(d.id)}/test`, {}).then(
      (result) => setTested({ name: d.name, result }),
      (e) => setTested({ name: d.name, error: toApiError(e) }),
    );
  const intro = 'Budget thresholds, key expiry and revocation, endpoint health changes and user deactivations, sent to webhooks, Amazon SNS or Amazon EventBridge.';
  if (destinations.error?.status === 404) {
    return html`<${Page} title="Notifications" intro=${intro}>
      <${Empty} title="Notifications are not available on this gateway.">Its version has no notifications API (/admin/v1/notifications). Upgrade the gateway to set them up here.</${Empty}>
    </${Page}>`;
  }
  return html`<${Page} title="Notifications" intro=${intro}>
    ${secret
      ? html`<${SecretOnce} title=${`Signing secret of ${secret.name}`} secret=${secret.value} onDone=${() => setSecret(undefined)}>
          <p class="muted">The receiver checks each webhook's HMAC signature with it.</p>
        </${SecretOnce}>`
      : null}
    <${Panel} title="Add a destination">
      <${Form} label="Add a notification destination" submit="Add destination" onSubmit=${create}>
        <${Field} label="Name" name="name" required placeholder="e.g. ops-webhook" />
        <${Select} label="Type" name="type" options=${types} />
        <${Field} label="Webhook URL, SNS topic ARN or EventBridge bus" name="target" required />
        <${Field} label="AWS region" name="region" hint="SNS and EventBridge; default: from the ARN" />
        <fieldset class="events">
          <legend>Events</legend>
          ${eventTypes.map((e) => html`<${Checkbox} label=${e} name=${`event:${e}`} checked />`)}
        </fieldset>
      </${Form}>
    </${Panel}>
    <${Panel} title="Destinations">
      ${tested?.error ? html`<${ErrorNote} error=${tested.error} />` : null}
      ${tested?.result
        ? html`<p class=${tested.result.ok ? 'ok' : 'error'} role="status">
            Test event to ${tested.name}: ${tested.result.delivery.status}${tested.result.delivery.http_status ? ` (HTTP ${tested.result.delivery.http_status})` : ''}${tested.result.delivery.error ? `: ${tested.result.delivery.error}` : ''}
          </p>`
        : null}
      <${LoadState} loading=${destinations.loading} error=${destinations.error} hasData=${!!destinations.data} />
      ${destinations.data
        ? html`<${Table}
            caption="Notification destinations"
            rows=${destinations.data.data}
            rowKey=${(d: Destination) => d.id}
            empty=${html`<${Empty} title="No destinations.">Nobody is told when a budget runs low. Add a destination above and send it a test event.</${Empty}>`}
            columns=${[
              { label: 'Name', value: (d: Destination) => d.name },
              { label: 'Type', value: (d: Destination) => d.type },
              { label: 'Destination', value: (d: Destination) => html`<code>${d[target[d.type]] ?? '—'}</code>` },
              { label: 'Events', value: (d: Destination) => (d.events.length === eventTypes.length ? 'all' : d.events.join(', ')) },
              { label: 'Enabled', value: (d: Destination) => (d.enabled ? 'yes' : 'no') },
              {
                label: '',
                value: (d: Destination) => html`<span class="row-actions">
                  <button type="button" class="small" onClick=${() => test(d)}>Send test</button>
                  <${ConfirmButton} label="Delete" question=${`Delete ${d.name}?`} onConfirm=${() => api.del(`/notifications/${seg(d.id)}`).then(destinations.reload)} />
                </span>`,
              },
            ]}
          />`
        : null}
    </${Panel}>
  </${Page}>`;
}
