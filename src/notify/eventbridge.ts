import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { awsClientConfig, awsFailure, retryableAwsErrors, type AwsTarget } from './aws.js';
import type { NotificationEvent } from './events.js';
import { delivered, sendTimeoutMs, type NotificationSender } from './sender.js';

/** Rules match ccag's events with `{"source": ["ccag"], "detail-type": ["budget.threshold", …]}`. */
export const eventBridgeSource = 'ccag';

/** Puts each event on an EventBridge bus: detail-type is the event type, detail the whole event. */
export function eventBridgeSender(eventBus: string, target: AwsTarget): NotificationSender {
  const client = new EventBridgeClient(awsClientConfig(target));
  return {
    async send(event: NotificationEvent) {
      try {
        const out = await client.send(
          new PutEventsCommand({
            Entries: [{ Source: eventBridgeSource, DetailType: event.type, Detail: JSON.stringify(event), EventBusName: eventBus, Time: new Date(event.time) }],
          }),
          { abortSignal: AbortSignal.timeout(sendTimeoutMs) },
        );
        // PutEvents answers 200 with per-entry failures.
        const failed = out.Entries?.[0];
        if (out.FailedEntryCount || failed?.ErrorCode) {
          const code = failed?.ErrorCode ?? 'Failed';
          return { ok: false, httpStatus: out.$metadata.httpStatusCode ?? null, error: `${code}: ${failed?.ErrorMessage ?? 'the entry was not accepted'}`, retryable: retryableAwsErrors.has(code) };
        }
        return delivered(out.$metadata.httpStatusCode ?? null);
      } catch (err) {
        return awsFailure(err);
      }
    },
  };
}
