import { Command, Option } from 'commander';
import type { CreatedNotificationDestination, NotificationDelivery, NotificationDestination, NotificationTestResult } from '../../api/schemas.js';
import { deliveryStatuses, notificationDestinationTypes, notificationEventTypes, webhookFormats } from '../../api/schemas.js';
import { action } from '../action.js';
import { usageError } from '../errors.js';
import type { Column } from '../output.js';
import { confirmed, required } from '../prompt.js';
import { wholeNumber } from './endpoints.js';

const target = (d: NotificationDestination) => d.url ?? d.topic_arn ?? d.event_bus ?? '';

const destinationColumns: Column<NotificationDestination>[] = [
  { header: 'NAME', value: (d) => d.name },
  { header: 'TYPE', value: (d) => (d.type === 'webhook' && d.format === 'slack' ? 'webhook (slack)' : d.type) },
  { header: 'TARGET', value: target },
  { header: 'EVENTS', value: (d) => d.events.join(',') },
  { header: 'ENABLED', value: (d) => (d.enabled ? 'yes' : 'no') },
];

const destinationFields: Column<CreatedNotificationDestination>[] = [
  { header: 'ID', value: (d) => d.id },
  ...destinationColumns,
  { header: 'REGION', value: (d) => d.region ?? '' },
  { header: 'ROLE', value: (d) => d.role_arn ?? '' },
  { header: 'ENDPOINT URL', value: (d) => d.endpoint_url ?? '' },
  { header: 'PRIVATE ADDRESSES', value: (d) => (d.type !== 'webhook' ? '' : d.allow_private ? 'allowed' : 'refused') },
  { header: 'SIGNING SECRET', value: (d) => d.signing_secret ?? (d.has_signing_secret ? 'set (shown once, when created or rotated)' : '') },
  { header: 'UPDATED', value: (d) => d.updated_at },
];

const deliveryColumns: Column<NotificationDelivery>[] = [
  { header: 'AT', value: (d) => d.at },
  { header: 'EVENT', value: (d) => d.event_type },
  { header: 'ATTEMPT', value: (d) => String(d.attempt) },
  { header: 'STATUS', value: (d) => d.status },
  { header: 'HTTP', value: (d) => (d.http_status === null ? '' : String(d.http_status)) },
  { header: 'ERROR', value: (d) => d.error ?? '' },
];

const path = (ref: string) => `/admin/v1/notifications/${encodeURIComponent(ref)}`;

interface DestinationOptions {
  type?: string;
  url?: string;
  format?: string;
  topicArn?: string;
  eventBus?: string;
  region?: string;
  roleArn?: string;
  externalId?: string;
  endpointUrl?: string;
  events?: string;
  allowPrivate?: boolean;
  enabled?: boolean;
}

/** `budget.threshold,key.revoked` or `all`. */
function eventList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const events = text === 'all' ? [...notificationEventTypes] : text.split(',').map((e) => e.trim()).filter(Boolean);
  const unknown = events.filter((e) => !(notificationEventTypes as readonly string[]).includes(e));
  if (unknown.length || events.length === 0) throw usageError(`--events: ${unknown.join(', ') || 'none given'} is not an event type; use all or some of ${notificationEventTypes.join(', ')}`);
  return events;
}

function withDestinationOptions(command: Command): Command {
  return command
    .option('--events <types>', `comma-separated event types, or all: ${notificationEventTypes.join(', ')}`)
    .option('--url <url>', 'webhook: the URL to POST to')
    .addOption(new Option('--format <format>', 'webhook: the body (slack: a Slack incoming-webhook message)').choices([...webhookFormats]))
    .option('--allow-private', 'webhook: let the URL be a loopback or private address')
    .option('--no-allow-private', 'webhook: refuse internal addresses again')
    .option('--topic-arn <arn>', 'sns: the topic ARN')
    .option('--event-bus <bus>', 'eventbridge: the event bus name or ARN')
    .option('--region <region>', "sns, eventbridge: the AWS region (default: the ARN's, else the gateway's)")
    .option('--role-arn <arn>', 'sns, eventbridge: a role to assume first (default: the gateway\'s own AWS identity)')
    .option('--external-id <id>', 'sns, eventbridge: the external id the role requires')
    .option('--endpoint-url <url>', 'sns, eventbridge: an endpoint override (VPC endpoints)');
}

const body = (o: DestinationOptions) => ({
  events: eventList(o.events),
  url: o.url,
  format: o.format,
  allow_private: o.allowPrivate,
  topic_arn: o.topicArn,
  event_bus: o.eventBus,
  region: o.region,
  role_arn: o.roleArn,
  external_id: o.externalId,
  endpoint_url: o.endpointUrl,
  enabled: o.enabled,
});

export function notificationsCommand(): Command {
  const notifications = new Command('notifications').description('where notifications go: webhooks, Amazon SNS, Amazon EventBridge (admins)');

  withDestinationOptions(notifications.command('add'))
    .description('add a notification destination; a webhook\'s signing secret is shown once')
    .option('--name <name>', 'a short name')
    .addOption(new Option('--type <type>', 'the kind of destination').choices([...notificationDestinationTypes]))
    .action(
      action<DestinationOptions & { name?: string }>(async (ctx, _args, o) => {
        const name = await required(o.name, '--name', 'Name:');
        const type = await required(o.type, '--type', `Type (${notificationDestinationTypes.join(', ')}):`);
        const events = await required(o.events, '--events', 'Event types (comma-separated, or all):');
        const created = await (await ctx.client()).call<CreatedNotificationDestination>('POST', '/admin/v1/notifications', { ...body({ ...o, events }), name, type });
        ctx.out.resource(created, destinationFields, (d) => d.id);
        if (created.signing_secret) ctx.out.say('Keep the signing secret now: it is not shown again (rotate it with `ccag notifications update NAME --rotate-secret`).');
      }),
    );

  notifications
    .command('list')
    .description('list notification destinations')
    .action(
      action(async (ctx) => {
        ctx.out.list(await (await ctx.client()).listAll<NotificationDestination>('/admin/v1/notifications'), destinationColumns, (d) => d.id);
      }),
    );

  notifications
    .command('show')
    .description('show a notification destination (by name or id)')
    .argument('<destination>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        ctx.out.resource(await (await ctx.client()).call<NotificationDestination>('GET', path(ref!)), destinationFields, (d) => d.id);
      }),
    );

  withDestinationOptions(notifications.command('update'))
    .description('change a notification destination')
    .argument('<destination>', 'name or id')
    .option('--name <name>', 'new name')
    .option('--enable', 'send to it again')
    .option('--disable', 'stop sending to it (events meanwhile are not kept for it)')
    .option('--rotate-secret', 'webhook: a new signing secret, shown once')
    .action(
      action<DestinationOptions & { name?: string; enable?: boolean; disable?: boolean; rotateSecret?: boolean }>(async (ctx, [ref], o) => {
        if (o.enable && o.disable) throw usageError('give --enable or --disable, not both');
        const changes = { ...body({ ...o, enabled: o.enable ? true : o.disable ? false : undefined }), name: o.name, rotate_secret: o.rotateSecret || undefined };
        if (Object.values(changes).every((v) => v === undefined)) throw usageError('nothing to change: give an option such as --events, --url, --disable or --rotate-secret');
        const updated = await (await ctx.client()).call<CreatedNotificationDestination>('PATCH', path(ref!), changes);
        ctx.out.resource(updated, destinationFields, (d) => d.id);
      }),
    );

  notifications
    .command('remove')
    .description('remove a notification destination with its delivery history')
    .argument('<destination>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        if (!(await confirmed(`Remove notification destination ${ref}? Its delivery history goes with it.`, Boolean(ctx.options.yes)))) return;
        await (await ctx.client()).call('DELETE', path(ref!));
        ctx.out.say(`Removed notification destination ${ref}.`);
      }),
    );

  notifications
    .command('test')
    .description('send a test event (notification.test) to the destination now, from the gateway')
    .argument('<destination>', 'name or id')
    .action(
      action(async (ctx, [ref]) => {
        const r = await (await ctx.client()).call<NotificationTestResult>('POST', `${path(ref!)}/test`);
        const d = r.delivery;
        if (ctx.out.mode === 'json') ctx.out.json(r);
        else ctx.out.say(r.ok ? `ok: delivered${d.http_status ? ` (HTTP ${d.http_status})` : ''} in ${d.duration_ms} ms` : `failed: ${d.error} (${d.duration_ms} ms)`);
        if (!r.ok) process.exitCode = 1;
      }),
    );

  notifications
    .command('deliveries')
    .description('delivery attempts to a destination, newest first')
    .argument('<destination>', 'name or id')
    .addOption(new Option('--status <status>', 'only these').choices([...deliveryStatuses]))
    .option('--limit <n>', 'at most this many (default 50)')
    .action(
      action<{ status?: string; limit?: string }>(async (ctx, [ref], o) => {
        const limit = wholeNumber('--limit', o.limit, 1) ?? 50;
        const rows = await (await ctx.client()).listAll<NotificationDelivery>(`${path(ref!)}/deliveries`, { status: o.status }, limit);
        ctx.out.list(rows, deliveryColumns, (d) => d.id);
      }),
    );

  return notifications;
}
