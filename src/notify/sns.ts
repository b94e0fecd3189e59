import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig, awsFailure, type AwsTarget } from './aws.js';
import type { NotificationEvent } from './events.js';
import { delivered, sendTimeoutMs, type NotificationSender } from './sender.js';

/**
 * Publishes each event to an SNS topic: the message is the event's JSON, and the message
 * attribute `event_type` lets subscriptions filter by type.
 */
export function snsSender(topicArn: string, target: AwsTarget): NotificationSender {
  const client = new SNSClient(awsClientConfig(target));
  return {
    async send(event: NotificationEvent) {
      try {
        const out = await client.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: `ccag ${event.type}`,
            Message: JSON.stringify(event),
            MessageAttributes: { event_type: { DataType: 'String', StringValue: event.type } },
          }),
          { abortSignal: AbortSignal.timeout(sendTimeoutMs) },
        );
        return delivered(out.$metadata.httpStatusCode ?? null);
      } catch (err) {
        return awsFailure(err);
      }
    },
  };
}
