import { createHmac } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { assertPublicUrl, guardedLookup, UnsafeUrlError } from '../websearch/url-guard.js';
import { describeEvent, type NotificationEvent } from './events.js';
import { delivered, sendTimeoutMs, type DeliveryResult, type NotificationSender } from './sender.js';

export interface WebhookSettings {
  url: string;
  format: 'json' | 'slack';
  signingSecret: string;
  /** Skip the SSRF guard: the URL may be loopback or private. */
  allowPrivate: boolean;
}

/** `x-ccag-signature`: `sha256=` and the hex HMAC-SHA256, under the destination's secret, of `${timestamp}.${body}`. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The body a webhook receives: the event as JSON, or a Slack incoming-webhook message. */
export function webhookBody(event: NotificationEvent, format: 'json' | 'slack'): string {
  return JSON.stringify(format === 'slack' ? { text: describeEvent(event) } : event);
}

const maxErrorBody = 200;

/**
 * POSTs signed events. Redirects are not followed, and with the guard on the socket is opened
 * only to a public address (see url-guard.ts on DNS rebinding).
 */
export function webhookSender(s: WebhookSettings): NotificationSender {
  const dispatcher: Dispatcher | undefined = s.allowPrivate ? undefined : new Agent({ connect: { lookup: guardedLookup } });
  return {
    async send(event: NotificationEvent): Promise<DeliveryResult> {
      if (!s.allowPrivate) {
        try {
          await assertPublicUrl(s.url);
        } catch (err) {
          if (err instanceof UnsafeUrlError) return { ok: false, httpStatus: null, error: `refused URL: ${err.message}`, retryable: false };
          throw err;
        }
      }
      const body = webhookBody(event, s.format);
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const res = await request(s.url, {
          method: 'POST',
          dispatcher,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'ccag-notifications/1',
            'x-ccag-event': event.type,
            'x-ccag-event-id': event.id,
            'x-ccag-timestamp': timestamp,
            'x-ccag-signature': webhookSignature(s.signingSecret, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(sendTimeoutMs),
        });
        const text = await head(res.body);
        if (res.statusCode >= 200 && res.statusCode < 300) return delivered(res.statusCode);
        const retryable = res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 408;
        return { ok: false, httpStatus: res.statusCode, error: `HTTP ${res.statusCode}${text ? `: ${text}` : ''}`, retryable, retryAfterMs: retryAfter(res.headers['retry-after']) };
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const code = e.name === 'TimeoutError' ? 'timed out' : (e.code ?? e.name);
        return { ok: false, httpStatus: null, error: `${code}: ${e.message}`, retryable: e.code !== 'ERR_SSRF_BLOCKED' };
      }
    },
  };
}

/** The start of an answer's body, for the error; the rest is not read (a receiver may send a lot). */
async function head(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length >= maxErrorBody) break;
  }
  body.destroy();
  return text.slice(0, maxErrorBody).trim();
}

/** Retry-After in seconds (dates are rare from webhooks and ignored). */
function retryAfter(value: string | string[] | undefined): number | undefined {
  const seconds = Number([value].flat()[0]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
