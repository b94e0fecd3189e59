/**
 * Authentication as AWS's front end does it for Bedrock (and STS): SigV4 checked by signing the
 * received request again with the same date and comparing signatures, or a Bedrock API key as a
 * bearer token. Refusals carry AWS's wording.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { BedrockError } from './exceptions.js';
import type { TemporaryCredentialStore } from './temporary-credentials.js';
import type { EmulatorCredentials } from './types.js';

export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as they arrived (still percent-encoded). */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface Authority {
  region: string;
  /** The service signatures must be scoped to; default `bedrock`. */
  service?: string;
  credentials: EmulatorCredentials;
  /** Also accepted, with their session token, until they expire (what the STS emulator issued). */
  temporaryCredentials?: TemporaryCredentialStore;
  /** The API key accepted as a bearer token; none: bearer tokens are refused. */
  bearerToken?: string;
}
const maxClockSkewMs = 5 * 60 * 1000;
const invalidToken = 'The security token included in the request is invalid.';

/** Resolves when the request is authentic; throws the BedrockError AWS would answer otherwise. */
export async function verifyAuthorization(request: ReceivedRequest, authority: Authority): Promise<void> {
  const authorization = request.headers.authorization;
  if (!authorization) throw new BedrockError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  if (/^bearer /i.test(authorization)) {
    if (!authority.bearerToken || !sameText(authorization.slice('bearer '.length).trim(), authority.bearerToken)) throw new BedrockError('UnrecognizedClientException', invalidToken);
    return;
  }
  const parsed = parseAuthorization(authorization);
  const { accessKeyId, date, region, scopeService } = parsed;
  const service = authority.service ?? 'bedrock';
  const credentials = signingCredentials(accessKeyId, request.headers['x-amz-security-token'], authority);

  const amzDate = request.headers['x-amz-date'];
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !signingDate) {
    throw new BedrockError('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (date !== amzDate.slice(0, 8)) {
    throw new BedrockError(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (region !== authority.region) throw new BedrockError('InvalidSignatureException', 'Credential should be scoped to a valid region.');
  if (scopeService !== service) throw new BedrockError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`);
  checkClockSkew(signingDate, amzDate, new Date());

  const declaredHash = request.headers['x-amz-content-sha256'];
  if (declaredHash && declaredHash !== 'UNSIGNED-PAYLOAD' && declaredHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new BedrockError('InvalidSignatureException', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }

  const expected = await signatureFor(request, parsed.signedHeaders, signingDate, { region, service, credentials });
  if (!sameText(expected, parsed.signature)) {
    throw new BedrockError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

/** The secret to check the signature with; temporary credentials need their session token and must not have expired. */
function signingCredentials(accessKeyId: string, sessionToken: string | undefined, authority: Authority): EmulatorCredentials {
  if (accessKeyId === authority.credentials.accessKeyId) return authority.credentials;
  const temporary = authority.temporaryCredentials?.find(accessKeyId);
  if (!temporary || sessionToken === undefined || !sameText(sessionToken, temporary.sessionToken)) throw new BedrockError('UnrecognizedClientException', invalidToken);
  if (temporary.expiration.getTime() <= Date.now()) throw new BedrockError('ExpiredTokenException', 'The security token included in the request is expired');
  return temporary;
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  scopeService: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string): ParsedAuthorization {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(header);
  if (!match) throw new BedrockError('IncompleteSignatureException', `Authorization header requires 'Credential' parameter. Authorization=${header}`);
  const params = new Map<string, string>();
  for (const part of match[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !params.get(name));
  if (missing.length > 0) {
    throw new BedrockError('IncompleteSignatureException', missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  }
  const [accessKeyId, date, region, scopeService, terminator] = params.get('Credential')!.split('/');
  if (!accessKeyId || !date || !region || !scopeService || terminator !== 'aws4_request') {
    throw new BedrockError('IncompleteSignatureException', `Credential must have the form <key>/<date>/<region>/<service>/aws4_request. Credential=${params.get('Credential')}`);
  }
  return { accessKeyId, date, region, scopeService, signedHeaders: params.get('SignedHeaders')!.split(';'), signature: params.get('Signature')! };
}

function checkClockSkew(signed: Date, amzDate: string, now: Date): void {
  const skew = signed.getTime() - now.getTime();
  if (Math.abs(skew) <= maxClockSkewMs) return;
  const bound = formatAmzDate(new Date(now.getTime() + Math.sign(skew) * maxClockSkewMs));
  throw new BedrockError(
    'InvalidSignatureException',
    skew < 0
      ? `Signature expired: ${amzDate} is now earlier than ${bound} (${formatAmzDate(now)} - 5 min.)`
      : `Signature not yet current: ${amzDate} is still later than ${bound} (${formatAmzDate(now)} + 5 min.)`,
  );
}

/** Sign the request as received, limited to the headers the client said it signed. */
async function signatureFor(
  request: ReceivedRequest,
  signedHeaders: string[],
  signingDate: Date,
  scope: { region: string; service: string; credentials: EmulatorCredentials },
): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return '';
    headers[name] = value;
  }
  const queryStart = request.url.indexOf('?');
  const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  // Without the session token: when it was signed it is among the headers already.
  const credentials = { accessKeyId: scope.credentials.accessKeyId, secretAccessKey: scope.credentials.secretAccessKey };
  const signer = new SignatureV4({ credentials, region: scope.region, service: scope.service, sha256: Hash.bind(null, 'sha256'), uriEscapePath: true });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path,
      query: parseQuery(queryStart < 0 ? '' : request.url.slice(queryStart + 1)),
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  return /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? '';
}

function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
    const previous = out[key];
    out[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** 20261122T041500Z → Date. */
function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
