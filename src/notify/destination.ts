import type { SecretBox } from '../auth/secret-key.js';
import type { DestinationRow } from '../db/repos/notifications.js';
import { eventBridgeSender } from './eventbridge.js';
import type { NotificationSender } from './sender.js';
import { snsSender } from './sns.js';
import { webhookSender } from './webhook.js';

/** The sender of a destination's row, its signing secret unsealed. */
export function createSender(row: DestinationRow, secrets: SecretBox, stsEndpoint?: string): NotificationSender {
  const aws = { region: row.region!, endpointUrl: row.endpoint_url ?? undefined, roleArn: row.role_arn ?? undefined, externalId: row.external_id ?? undefined, stsEndpoint };
  switch (row.type) {
    case 'webhook':
      return webhookSender({ url: row.url!, format: row.format, signingSecret: secrets.decrypt(row.signing_secret_sealed!), allowPrivate: row.allow_private });
    case 'sns':
      return snsSender(row.topic_arn!, aws);
    case 'eventbridge':
      return eventBridgeSender(row.event_bus!, aws);
  }
}
