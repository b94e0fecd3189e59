import type { FastifyInstance } from 'fastify';
import { invalidRequest, notFound } from '../api/errors.js';
import {
  createNotificationRequest,
  deliveryListQuery,
  updateNotificationRequest,
  type CreatedNotificationDestination,
  type NotificationDelivery,
  type NotificationDestination,
  type NotificationTestResult,
  type Page,
  type UpdateNotificationRequest,
} from '../api/schemas.js';
import { adminApi } from '../auth/access.js';
import { randomBase62 } from '../auth/random-token.js';
import type { Queryable } from '../db/db.js';
import {
  deleteDestination,
  findDestination,
  insertDestination,
  listDeliveries,
  listDestinations,
  updateDestination,
  type DestinationFields,
  type DestinationRow,
} from '../db/repos/notifications.js';
import { decodeCursor, iso } from '../db/repos/page.js';
import { arnRegion } from '../notify/aws.js';
import type { NotificationEventType } from '../notify/events.js';
import type { Services } from '../server/services.js';
import { assertPublicUrl } from '../websearch/url-guard.js';
import { mutate } from './mutation.js';
import { type RefParams, parseBody, parseQuery } from './request.js';
import { uniqueViolation } from './unique-violation.js';

const view = (row: DestinationRow): NotificationDestination => ({
  id: row.id,
  name: row.name,
  type: row.type,
  events: row.events as NotificationEventType[],
  enabled: row.enabled,
  url: row.url,
  format: row.format,
  allow_private: row.allow_private,
  has_signing_secret: row.signing_secret_sealed !== null,
  topic_arn: row.topic_arn,
  event_bus: row.event_bus,
  region: row.region,
  role_arn: row.role_arn,
  external_id: row.external_id,
  endpoint_url: row.endpoint_url,
  created_at: iso(row.created_at)!,
  updated_at: iso(row.updated_at)!,
});

/** Fields that belong to one destination type only. */
const onlyFor: Record<string, DestinationRow['type'][]> = {
  url: ['webhook'],
  format: ['webhook'],
  allow_private: ['webhook'],
  topic_arn: ['sns'],
  event_bus: ['eventbridge'],
  region: ['sns', 'eventbridge'],
  role_arn: ['sns', 'eventbridge'],
  external_id: ['sns', 'eventbridge'],
  endpoint_url: ['sns', 'eventbridge'],
};
const required: Record<DestinationRow['type'], keyof DestinationFields> = { webhook: 'url', sns: 'topic_arn', eventbridge: 'event_bus' };

/**
 * Notification destinations (admins only): webhooks, SNS topics and EventBridge buses, the
 * event types each receives, their test event and delivery history. A webhook's signing secret
 * is generated here, sealed, and shown once.
 */
export async function notificationRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { db, sso, notifications, config } = services;
  const access = { config: { access: adminApi('admin') } };

  async function requireDestination(tx: Queryable, ref: string): Promise<DestinationRow> {
    const row = await findDestination(tx, ref);
    if (!row) throw notFound(`no notification destination ${ref}`);
    return row;
  }

  /**
   * The row's fields with a request's changes applied; refused (400) when a field does not fit the
   * type, a required one is missing, or a webhook URL is internal and private addresses are not allowed.
   * Returns the new signing secret when one was made.
   */
  async function apply(base: DestinationFields, b: UpdateNotificationRequest): Promise<{ fields: DestinationFields; secret?: string }> {
    for (const [field, types] of Object.entries(onlyFor)) {
      const value = b[field as keyof UpdateNotificationRequest];
      if (value !== undefined && value !== null && !types.includes(base.type)) throw invalidRequest(`${field}: not a setting of ${base.type} destinations`);
    }
    if (b.rotate_secret && base.type !== 'webhook') throw invalidRequest(`rotate_secret: ${base.type} destinations have no signing secret`);
    const secret = base.type === 'webhook' && (b.rotate_secret || !base.signing_secret_sealed) ? `whsec_${randomBase62(32)}` : undefined;
    const fields: DestinationFields = {
      ...base,
      ...Object.fromEntries(Object.entries(b).filter(([k, v]) => v !== undefined && k !== 'rotate_secret')),
      ...(secret && { signing_secret_sealed: sso.secrets.encrypt(secret) }),
    };
    if (!fields[required[fields.type]]) throw invalidRequest(`${required[fields.type]}: required for ${fields.type} destinations`);
    if (fields.type !== 'webhook') {
      fields.region = b.region ?? (b.topic_arn || b.event_bus ? undefined : base.region) ?? arnRegion(fields.topic_arn ?? fields.event_bus) ?? config.region ?? null;
      if (!fields.region) throw invalidRequest('region: required (the ARN names none and the gateway has no default region)');
    }
    if (fields.url && (b.url !== undefined || b.allow_private !== undefined)) {
      await assertPublicUrl(fields.url, { allowPrivate: fields.allow_private }).catch((err: Error) => {
        throw invalidRequest(`url: ${err.message}`);
      });
    }
    return { fields, secret };
  }

  app.get('/notifications', access, async (): Promise<Page<NotificationDestination>> => ({ data: (await listDestinations(db)).map(view), next_cursor: null }));

  app.get<{ Params: RefParams }>('/notifications/:ref', access, async (req): Promise<NotificationDestination> => view(await requireDestination(db, req.params.ref)));

  app.post('/notifications', access, async (req, reply): Promise<CreatedNotificationDestination> => {
    const body = parseBody(createNotificationRequest, req.body);
    const empty: DestinationFields = {
      name: body.name,
      type: body.type,
      events: body.events,
      enabled: true,
      url: null,
      format: 'json',
      signing_secret_sealed: null,
      allow_private: false,
      topic_arn: null,
      event_bus: null,
      region: null,
      role_arn: null,
      external_id: null,
      endpoint_url: null,
    };
    const { fields, secret } = await apply(empty, body);
    const created = await mutate(services, req, async (m) => {
      const row = await insertDestination(m.tx, fields).catch(uniqueViolation(`a notification destination named ${body.name} already exists`));
      await m.audit({ action: 'notification.create', targetType: 'notification_destination', targetId: row.id, after: view(row) });
      return row;
    });
    reply.code(201);
    return { ...view(created), ...(secret && { signing_secret: secret }) };
  });

  app.patch<{ Params: RefParams }>('/notifications/:ref', access, async (req): Promise<CreatedNotificationDestination> => {
    const body = parseBody(updateNotificationRequest, req.body);
    const current = await requireDestination(db, req.params.ref);
    const { fields, secret } = await apply(current, body);
    const updated = await mutate(services, req, async (m) => {
      const before = await requireDestination(m.tx, current.id);
      const row = await updateDestination(m.tx, before.id, fields).catch(uniqueViolation(`a notification destination named ${body.name} already exists`));
      await m.audit({ action: 'notification.update', targetType: 'notification_destination', targetId: row.id, before: view(before), after: { ...view(row), ...(secret && { signing_secret: 'rotated' }) } });
      return row;
    });
    return { ...view(updated), ...(secret && { signing_secret: secret }) };
  });

  // Its undelivered notifications and delivery history go with it.
  app.delete<{ Params: RefParams }>('/notifications/:ref', access, async (req, reply) => {
    await mutate(services, req, async (m) => {
      const row = await requireDestination(m.tx, req.params.ref);
      await deleteDestination(m.tx, row.id);
      await m.audit({ action: 'notification.delete', targetType: 'notification_destination', targetId: row.id, before: view(row) });
    });
    return reply.code(204).send();
  });

  // One test event, sent now and once (even to a disabled destination): what an admin checks after adding one.
  app.post<{ Params: RefParams }>('/notifications/:ref/test', access, async (req): Promise<NotificationTestResult> => {
    return notifications.sendTest(await requireDestination(db, req.params.ref));
  });

  app.get<{ Params: RefParams }>('/notifications/:ref/deliveries', access, async (req): Promise<Page<NotificationDelivery>> => {
    const q = parseQuery(deliveryListQuery, req.query);
    const row = await requireDestination(db, req.params.ref);
    return listDeliveries(db, row.id, { limit: q.limit, after: decodeCursor(q.cursor), status: q.status });
  });
}
