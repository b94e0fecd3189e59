/**
 * A loopback STS for the Bedrock emulator: AssumeRole over AWS's query protocol (a form-encoded
 * POST, signed with SigV4 for service `sts`; XML answers). The credentials it issues go into a
 * TemporaryCredentialStore that the Bedrock emulator accepts, until they expire.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emulatorCredentials } from './credentials.js';
import { BedrockError, type ExceptionName } from './exceptions.js';
import { verifyAuthorization } from './sigv4.js';
import { TemporaryCredentialStore, type TemporaryCredentials } from './temporary-credentials.js';
import type { EmulatorCredentials } from './types.js';

export interface EmulatedRole {
  roleArn: string;
  /** When set, AssumeRole must pass exactly this ExternalId. */
  externalId?: string;
  /**
   * How long its credentials live, whatever DurationSeconds asks. May be shorter than real STS's
   * 900 s minimum, so that tests can see credentials expire. Default DurationSeconds, or 3600.
   */
  lifetimeSeconds?: number;
}

export interface StsEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** The SigV4 region requests must be signed for. Default us-east-1. */
  region?: string;
  /** Who may call AssumeRole. Default emulatorCredentials. */
  credentials?: EmulatorCredentials;
  roles: EmulatedRole[];
  /** Where issued credentials go; default a new store. Give its `issued` to startEmulator's temporaryCredentials. */
  issued?: TemporaryCredentialStore;
}

export interface AssumeRoleCall {
  /** The access key that signed the call; undefined when the signature was refused. */
  callerAccessKeyId?: string;
  roleArn?: string;
  roleSessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  outcome: { ok: true; accessKeyId: string; sessionToken: string; expiration: Date } | { ok: false; code: string; message: string; status: number };
}

export interface StsEmulator {
  /** http://127.0.0.1:PORT: the STS endpoint (CCAG_STS_ENDPOINT, AWS_ENDPOINT_URL_STS). */
  url: string;
  port: number;
  /** Every request, in order of arrival. */
  calls: AssumeRoleCall[];
  /** The credentials issued so far. */
  issued: TemporaryCredentialStore;
  close(): Promise<void>;
}

interface IssuedSession {
  credentials: TemporaryCredentials;
  roleArn: string;
  session: string;
}

/** An STS refusal, answered as `<ErrorResponse>`. */
class StsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The SigV4 checks are shared with the Bedrock emulator; STS names the same refusals its own way. */
const authRefusals: Partial<Record<ExceptionName, [code: string, status: number]>> = {
  MissingAuthenticationTokenException: ['MissingAuthenticationToken', 403],
  IncompleteSignatureException: ['IncompleteSignature', 400],
  UnrecognizedClientException: ['InvalidClientTokenId', 403],
  InvalidSignatureException: ['SignatureDoesNotMatch', 403],
};

const callerArn = 'arn:aws:iam::000000000000:user/ccag-emulator';
const roleArnPattern = /^arn:(aws[-a-z]*):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

export async function startStsEmulator(options: StsEmulatorOptions): Promise<StsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const credentials = options.credentials ?? emulatorCredentials;
  const issued = options.issued ?? new TemporaryCredentialStore();
  const calls: AssumeRoleCall[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      return; // the client left while sending
    }
    const url = req.url ?? '/';
    const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
    for (const [name, value] of new URLSearchParams(body.toString('utf8'))) params.set(name, value);
    const call: AssumeRoleCall = {
      roleArn: params.get('RoleArn') ?? undefined,
      roleSessionName: params.get('RoleSessionName') ?? undefined,
      externalId: params.get('ExternalId') ?? undefined,
      durationSeconds: params.has('DurationSeconds') ? Number(params.get('DurationSeconds')) : undefined,
      outcome: { ok: false, code: 'InternalFailure', message: '', status: 500 },
    };
    calls.push(call);
    try {
      await authenticate(req, url, body);
      call.callerAccessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
      if (params.get('Action') !== 'AssumeRole') {
        throw new StsError('InvalidAction', 400, `Could not find operation ${params.get('Action') ?? ''} for version ${params.get('Version') ?? ''}`);
      }
      const issuedNow = assumeRole(call);
      issued.add(issuedNow.credentials);
      call.outcome = { ok: true, accessKeyId: issuedNow.credentials.accessKeyId, sessionToken: issuedNow.credentials.sessionToken, expiration: issuedNow.credentials.expiration };
      send(res, 200, requestId, assumeRoleResponse(issuedNow, requestId));
    } catch (err) {
      const refusal = err instanceof StsError ? err : new StsError('InternalFailure', 500, (err as Error).message);
      call.outcome = { ok: false, code: refusal.code, message: refusal.message, status: refusal.status };
      send(res, refusal.status, requestId, errorResponse(refusal, requestId));
    }
  }

  async function authenticate(req: IncomingMessage, url: string, body: Buffer): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    try {
      await verifyAuthorization({ method: req.method ?? '', url, headers, body }, { region, service: 'sts', credentials });
    } catch (err) {
      const refusal = err instanceof BedrockError ? authRefusals[err.exception] : undefined;
      throw refusal ? new StsError(refusal[0], refusal[1], (err as Error).message) : err;
    }
  }

  function assumeRole(call: AssumeRoleCall): IssuedSession {
    const violations = [
      call.roleArn === undefined && `Value null at 'roleArn' failed to satisfy constraint: Member must not be null`,
      call.roleSessionName === undefined && `Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null`,
      call.roleSessionName !== undefined &&
        !/^[\w+=,.@-]{2,64}$/.test(call.roleSessionName) &&
        `Value '${call.roleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      call.durationSeconds !== undefined &&
        !(call.durationSeconds >= 900 && call.durationSeconds <= 43200) &&
        `Value '${call.durationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    ].filter((v): v is string => typeof v === 'string');
    if (violations.length > 0) {
      throw new StsError('ValidationError', 400, `${violations.length} validation error${violations.length > 1 ? 's' : ''} detected: ${violations.join('; ')}`);
    }
    const role = options.roles.find((r) => r.roleArn === call.roleArn);
    if (!role || (role.externalId !== undefined && role.externalId !== call.externalId)) {
      throw new StsError('AccessDenied', 403, `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${call.roleArn}`);
    }
    const lifetimeSeconds = role.lifetimeSeconds ?? call.durationSeconds ?? 3600;
    return { credentials: newCredentials(lifetimeSeconds), roleArn: role.roleArn, session: call.roleSessionName! };
  }

  const server = http.createServer((req, res) => void handle(req, res));
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    calls,
    issued,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** STS states expiry to the second; the emulator enforces the instant it states. */
function newCredentials(lifetimeSeconds: number): TemporaryCredentials {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(240).toString('base64'),
    expiration: new Date(Math.floor((Date.now() + lifetimeSeconds * 1000) / 1000) * 1000),
  };
}

function assumeRoleResponse(result: IssuedSession, requestId: string): string {
  const [, partition, account, roleName] = roleArnPattern.exec(result.roleArn) ?? [, 'aws', '000000000000', result.roleArn.split('/').at(-1)];
  const roleId = `AROA${createHash('sha256').update(result.roleArn).digest('hex').toUpperCase().slice(0, 17)}`;
  const { credentials, session } = result;
  return (
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
    `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(credentials.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${escapeXml(credentials.sessionToken)}</SessionToken><Expiration>${credentials.expiration.toISOString().replace('.000Z', 'Z')}</Expiration></Credentials>` +
    `<AssumedRoleUser><AssumedRoleId>${roleId}:${escapeXml(session)}</AssumedRoleId>` +
    `<Arn>arn:${partition}:sts::${account}:assumed-role/${escapeXml(roleName ?? '')}/${escapeXml(session)}</Arn></AssumedRoleUser>` +
    `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`
  );
}

function errorResponse(err: StsError, requestId: string): string {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${err.code}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

function send(res: ServerResponse, status: number, requestId: string, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': requestId });
  res.end(xml);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

async function readBody(req: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}
