import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { emulatorCredentials, startEmulator, startStsEmulator, type Emulator, type StsEmulator } from '../../../src/emulator/index.js';
import { invokeBody, rejection, runtimeClient, sonnet45Profile } from './sdk.js';

const roleArn = 'arn:aws:iam::123456789012:role/team/BedrockCaller';
let sts: StsEmulator;
let bedrock: Emulator;
before(async () => {
  sts = await startStsEmulator({ roles: [{ roleArn, externalId: 'ext-1234' }, { roleArn: 'arn:aws:iam::123456789012:role/Brief', lifetimeSeconds: 1 }] });
  bedrock = await startEmulator({ temporaryCredentials: sts.issued });
});
after(() => Promise.all([sts.close(), bedrock.close()]));

type Keys = { accessKeyId: string; secretAccessKey: string };

/** An STS query-protocol request as the SDK sends it: a form-encoded POST signed for service sts. */
async function post(params: Record<string, string>, credentials: Keys | null = emulatorCredentials) {
  const url = new URL(sts.url);
  const body = new URLSearchParams({ Version: '2011-06-15', ...params }).toString();
  let headers: Record<string, string> = { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  if (credentials) {
    const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'sts', sha256: Hash.bind(null, 'sha256') });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, headers, body });
    headers = signed.headers as Record<string, string>;
  }
  const { host: _host, ...sent } = headers;
  const response = await fetch(sts.url, { method: 'POST', headers: sent, body });
  return { status: response.status, xml: await response.text() };
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

test('AssumeRole answers STS XML with temporary credentials, and records the call', async () => {
  const { status, xml } = await post({ Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 'alice', ExternalId: 'ext-1234', DurationSeconds: '900' });
  assert.equal(status, 200);
  assert.match(xml, /^<AssumeRoleResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><AssumeRoleResult><Credentials><AccessKeyId>ASIA/);
  assert.match(tag(xml, 'AccessKeyId')!, /^ASIA[0-9A-Z]{16}$/);
  assert.equal(tag(xml, 'SecretAccessKey')!.length, 40);
  assert.match(tag(xml, 'Expiration')!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(tag(xml, 'AssumedRoleId')!, /^AROA[0-9A-Z]{17}:alice$/);
  assert.equal(tag(xml, 'Arn'), 'arn:aws:sts::123456789012:assumed-role/BedrockCaller/alice');
  assert.match(xml, /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/AssumeRoleResponse>$/);

  const call = sts.calls.at(-1)!;
  assert.deepEqual(
    { ...call, outcome: call.outcome.ok },
    { callerAccessKeyId: 'ccag-emulator', roleArn, roleSessionName: 'alice', externalId: 'ext-1234', durationSeconds: 900, outcome: true },
  );
  const issued = sts.issued.find(tag(xml, 'AccessKeyId')!)!;
  assert.equal(issued.sessionToken, tag(xml, 'SessionToken'));
  assert.equal(issued.expiration.toISOString().replace('.000Z', 'Z'), tag(xml, 'Expiration'));
});

test('refusals are STS ErrorResponses: a wrong or missing external id, an unknown role, bad input, bad signatures', async () => {
  const cases: [Record<string, string>, Keys | null, number, string][] = [
    [{ Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 's1', ExternalId: 'wrong' }, emulatorCredentials, 403, 'AccessDenied'],
    [{ Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 's1' }, emulatorCredentials, 403, 'AccessDenied'],
    [{ Action: 'AssumeRole', RoleArn: 'arn:aws:iam::123456789012:role/Unknown', RoleSessionName: 's1' }, emulatorCredentials, 403, 'AccessDenied'],
    [{ Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 'x', DurationSeconds: '60' }, emulatorCredentials, 400, 'ValidationError'],
    [{ Action: 'GetCallerIdentity' }, emulatorCredentials, 400, 'InvalidAction'],
    [{ Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 's1' }, { ...emulatorCredentials, secretAccessKey: 'wrong' }, 403, 'SignatureDoesNotMatch'],
    [{ Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 's1' }, { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' }, 403, 'InvalidClientTokenId'],
    [{ Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 's1' }, null, 403, 'MissingAuthenticationToken'],
  ];
  for (const [params, credentials, status, code] of cases) {
    const answer = await post(params, credentials);
    assert.equal(answer.status, status, code);
    assert.match(answer.xml, new RegExp(`^<ErrorResponse xmlns="[^"]+"><Error><Type>Sender</Type><Code>${code}</Code><Message>[^<]+</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`));
    assert.deepEqual(sts.calls.at(-1)!.outcome, { ok: false, code, status, message: tag(answer.xml, 'Message') });
  }
  assert.equal(tag((await post(cases[0]![0])).xml, 'Message'), `User: arn:aws:iam::000000000000:user/ccag-emulator is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  assert.equal(
    tag((await post(cases[3]![0])).xml, 'Message'),
    "2 validation errors detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
  );
});

test('the Bedrock emulator accepts issued credentials with their session token, and refuses them without it or once expired', async () => {
  const assume = async (arn: string, extra: Record<string, string> = {}) => {
    const { xml } = await post({ Action: 'AssumeRole', RoleArn: arn, RoleSessionName: 'bedrock-check', ...extra });
    return { accessKeyId: tag(xml, 'AccessKeyId')!, secretAccessKey: tag(xml, 'SecretAccessKey')!, sessionToken: tag(xml, 'SessionToken')!, expiration: new Date(tag(xml, 'Expiration')!) };
  };
  const invoke = () => new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('hi') });

  const valid = await assume(roleArn, { ExternalId: 'ext-1234' });
  const ok = await runtimeClient(bedrock, { credentials: valid }).send(invoke());
  assert.equal(ok.$metadata.httpStatusCode, 200);
  assert.equal(bedrock.requests.at(-1)!.headers['x-amz-security-token'], valid.sessionToken);

  const tokenless = await rejection(runtimeClient(bedrock, { credentials: { accessKeyId: valid.accessKeyId, secretAccessKey: valid.secretAccessKey } }).send(invoke()));
  assert.equal(tokenless.name, 'UnrecognizedClientException');
  const otherToken = await rejection(runtimeClient(bedrock, { credentials: { ...valid, sessionToken: 'not-the-token' } }).send(invoke()));
  assert.equal(otherToken.name, 'UnrecognizedClientException');

  const brief = await assume('arn:aws:iam::123456789012:role/Brief');
  const deadline = Date.now() + 5_000;
  while (Date.now() <= brief.expiration.getTime()) {
    assert.ok(Date.now() < deadline);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const expired = await rejection(runtimeClient(bedrock, { credentials: { ...brief, expiration: undefined } }).send(invoke()));
  assert.equal(expired.name, 'ExpiredTokenException');
  assert.equal(expired.$metadata.httpStatusCode, 403);
  assert.equal(expired.message, 'The security token included in the request is expired');
});
