/**
 * Loopback Amazon SNS and EventBridge, speaking their wire protocols to the real AWS SDK clients
 * (endpoint overrides, the emulator's static credentials): SNS Publish over the AWS query protocol
 * (form-encoded POST, XML answers), EventBridge PutEvents over awsJson1_1 (`X-Amz-Target:
 * AWSEvents.PutEvents`). Both check the SigV4 signature as AWS does, with the Bedrock emulator's verifier.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emulatorCredentials } from '../../src/emulator/credentials.js';
import { BedrockError } from '../../src/emulator/exceptions.js';
import { verifyAuthorization } from '../../src/emulator/sigv4.js';

export interface SnsMessage {
  topicArn: string;
  subject: string | null;
  message: string;
  attributes: Record<string, string>;
  /** The access key that signed the call. */
  accessKeyId: string;
}

export interface EventBridgeEntry {
  source: string;
  detailType: string;
  detail: string;
  eventBusName: string;
  accessKeyId: string;
}

export interface AwsLoopback<T> {
  url: string;
  received: T[];
  /** Answer the next calls with these errors (e.g. throttling), then succeed again. */
  failNext(...errors: { status: number; code: string; message: string }[]): void;
  close(): Promise<void>;
}

interface Exchange {
  req: IncomingMessage;
  body: Buffer;
  accessKeyId: string;
}

type Failure = { status: number; code: string; message: string };

async function startAwsLoopback(
  service: 'sns' | 'events',
  region: string,
  handle: (x: Exchange, res: ServerResponse) => void,
  refuse: (res: ServerResponse, f: Failure) => void,
): Promise<{ url: string; failures: Failure[]; close(): Promise<void> }> {
  const failures: Failure[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      verifyAuthorization({ method: req.method ?? '', url: req.url ?? '/', headers, body }, { region, service, credentials: emulatorCredentials })
        .then(() => {
          const failure = failures.shift();
          if (failure) return refuse(res, failure);
          handle({ req, body, accessKeyId: /Credential=([^/]+)\//.exec(headers.authorization ?? '')![1]!, }, res);
        })
        .catch((err: unknown) => {
          if (!(err instanceof BedrockError)) throw err;
          refuse(res, { status: err.status, code: err.exception === 'InvalidSignatureException' ? 'SignatureDoesNotMatch' : err.exception, message: err.message });
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failures,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const snsNs = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** SNS: Publish to any topic in `region` (other actions answer InvalidAction). */
export async function startSnsLoopback(region = 'us-east-1'): Promise<AwsLoopback<SnsMessage>> {
  const received: SnsMessage[] = [];
  const xml = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
    res.end(text);
  };
  const refuse = (res: ServerResponse, f: Failure) =>
    xml(
      res,
      f.status,
      `<ErrorResponse xmlns="${snsNs}"><Error><Type>${f.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${f.code}</Code><Message>${xmlEscape(f.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  const server = await startAwsLoopback(
    'sns',
    region,
    ({ req, body, accessKeyId }, res) => {
      const form = new URLSearchParams(body.toString('utf8'));
      if (req.headers['content-type']?.split(';')[0] !== 'application/x-www-form-urlencoded' || form.get('Version') !== '2010-03-31') {
        return refuse(res, { status: 400, code: 'MalformedQueryString', message: 'not an SNS query request' });
      }
      if (form.get('Action') !== 'Publish') return refuse(res, { status: 400, code: 'InvalidAction', message: `Could not find operation ${form.get('Action')} for version 2010-03-31` });
      const topicArn = form.get('TopicArn');
      if (!topicArn || !form.get('Message')) return refuse(res, { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: TopicArn or Message' });
      const attributes: Record<string, string> = {};
      for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
        attributes[form.get(`MessageAttributes.entry.${i}.Name`)!] = form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
      }
      received.push({ topicArn, subject: form.get('Subject'), message: form.get('Message')!, attributes, accessKeyId });
      xml(
        res,
        200,
        `<PublishResponse xmlns="${snsNs}"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    },
    refuse,
  );
  return { url: server.url, received, failNext: (...f) => server.failures.push(...f), close: server.close };
}

/** EventBridge: PutEvents to any bus in `region`. */
export async function startEventBridgeLoopback(region = 'us-east-1'): Promise<AwsLoopback<EventBridgeEntry>> {
  const received: EventBridgeEntry[] = [];
  const json = (res: ServerResponse, status: number, value: unknown, errorType?: string) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), ...(errorType && { 'x-amzn-errortype': errorType }) });
    res.end(JSON.stringify(value));
  };
  const refuse = (res: ServerResponse, f: Failure) => json(res, f.status, { __type: f.code, message: f.message }, f.code);
  const server = await startAwsLoopback(
    'events',
    region,
    ({ req, body, accessKeyId }, res) => {
      if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') return refuse(res, { status: 400, code: 'UnknownOperationException', message: `unknown operation ${req.headers['x-amz-target']}` });
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return refuse(res, { status: 400, code: 'SerializationException', message: 'expected application/x-amz-json-1.1' });
      const entries = (JSON.parse(body.toString('utf8')) as { Entries: { Source: string; DetailType: string; Detail: string; EventBusName: string }[] }).Entries;
      for (const e of entries) received.push({ source: e.Source, detailType: e.DetailType, detail: e.Detail, eventBusName: e.EventBusName, accessKeyId });
      json(res, 200, { FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) });
    },
    refuse,
  );
  return { url: server.url, received, failNext: (...f) => server.failures.push(...f), close: server.close };
}
