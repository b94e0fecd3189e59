import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { emulatorCredentials, startEmulator, startStsEmulator, type Emulator, type StsEmulator } from '../../../src/emulator/index.js';
import { closeBedrockConnection, createBedrockClient, createBedrockConnection } from '../../../src/gateway/bedrock/client.js';
import { credentialsProvider, type CredentialsProviderOptions, type EndpointCredentials } from '../../../src/routing/credentials.js';
import { invokeBody, rejection, sonnet45Profile } from '../emulator/sdk.js';

const region = 'us-east-1';
const tenantRole = 'arn:aws:iam::123456789012:role/ccag-bedrock';
const shortLivedRole = 'arn:aws:iam::210987654321:role/ccag-short-lived';
const lifetimeSeconds = 2;

let sts: StsEmulator;
let bedrock: Emulator;
before(async () => {
  sts = await startStsEmulator({
    region,
    roles: [
      { roleArn: tenantRole, externalId: 'tenant-7f3a' },
      { roleArn: shortLivedRole, lifetimeSeconds },
    ],
  });
  bedrock = await startEmulator({ region, temporaryCredentials: sts.issued });
});
after(() => Promise.all([sts.close(), bedrock.close()]));

/** A gateway's Bedrock client for an endpoint with these credentials; the AssumeRole caller is the emulator's user. */
function clientFor(credentials: EndpointCredentials, options: Partial<CredentialsProviderOptions> = { stsEndpoint: sts.url }) {
  const provider = credentialsProvider(credentials, { region, sourceCredentials: emulatorCredentials, ...options });
  return createBedrockClient({ region, endpoint: bedrock.url, credentials: provider, forceSigV4: true });
}

const invoke = () => new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('hi') });
const signingKey = (headers: Record<string, string>) => /Credential=([^/]+)\//.exec(headers.authorization ?? '')?.[1];

test('Bedrock calls are signed with the credentials STS issued for the role', async () => {
  const firstCall = sts.calls.length;
  const output = await clientFor({ type: 'assume_role', roleArn: tenantRole, externalId: 'tenant-7f3a' }).send(invoke());
  assert.equal(output.$metadata.httpStatusCode, 200);

  const calls = sts.calls.slice(firstCall);
  assert.equal(calls.length, 1);
  const call = calls[0]!;
  assert.equal(call.callerAccessKeyId, emulatorCredentials.accessKeyId);
  assert.equal(call.roleArn, tenantRole);
  assert.equal(call.externalId, 'tenant-7f3a');
  assert.match(call.roleSessionName!, /^ccag-[\w+=,.@-]{1,59}$/, 'ccag-<host name>, within what STS accepts');
  assert.ok(call.outcome.ok);

  const seen = bedrock.requests.at(-1)!;
  assert.deepEqual(seen.outcome, { ok: true });
  assert.equal(signingKey(seen.headers), call.outcome.accessKeyId);
  assert.match(call.outcome.accessKeyId, /^ASIA[0-9A-Z]{16}$/);
  assert.equal(seen.headers['x-amz-security-token'], call.outcome.sessionToken);
});

test('a wrong external id: STS refuses with AccessDenied naming the role, and Bedrock is never called', async () => {
  const bedrockCalls = bedrock.requests.length;
  const err = await rejection(clientFor({ type: 'assume_role', roleArn: tenantRole, externalId: 'someone-else' }).send(invoke()));
  assert.equal(err.name, 'AccessDenied');
  assert.match(err.message, /not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/ccag-bedrock/);
  assert.equal(sts.calls.at(-1)!.outcome.ok, false);
  assert.equal(bedrock.requests.length, bedrockCalls);
});

// The SDK's commands (count_tokens, CCAG_BEDROCK_CLIENT=sdk) and the direct invoker (InvokeModel on the hot path) alike.
for (const via of ['sdk', 'direct'] as const) {
  test(`short-lived credentials are renewed before they expire (${via}): calls keep succeeding across several lifetimes`, async () => {
    const firstCall = sts.calls.length;
    const firstRequest = bedrock.requests.length;
    const provider = credentialsProvider({ type: 'assume_role', roleArn: shortLivedRole, sessionName: 'refresh-test' }, { region, sourceCredentials: emulatorCredentials, stsEndpoint: sts.url });
    const connection = createBedrockConnection({ region, endpoint: bedrock.url, credentials: provider, forceSigV4: true, invoker: via });
    after(() => closeBedrockConnection(connection));
    const call = () => (via === 'sdk' ? connection.client.send(invoke()) : connection.invoker.invoke(sonnet45Profile, Buffer.from(invokeBody('hi')).toString(), new AbortController().signal));
    const issuedCount = () => sts.calls.slice(firstCall).filter((c) => c.outcome.ok).length;

    await call();
    const first = sts.calls[firstCall]!.outcome;
    assert.ok(first.ok);
    // Past the first credentials' expiry, and at least three sets issued.
    const deadline = Date.now() + 30_000;
    while (Date.now() <= first.expiration.getTime() + lifetimeSeconds * 1000 || issuedCount() < 3) {
      assert.ok(Date.now() < deadline, `still ${issuedCount()} AssumeRole calls at the deadline`);
      await call();
      await sleep(50);
    }

    const requests = bedrock.requests.slice(firstRequest);
    // The Bedrock emulator refuses expired credentials with ExpiredTokenException: every call passed.
    assert.deepEqual(
      requests.filter((r) => !r.outcome.ok),
      [],
    );
    const issued = sts.calls.slice(firstCall);
    assert.ok(issued.every((c) => c.outcome.ok && c.roleSessionName === 'refresh-test'));
    const keysUsed = new Set(requests.map((r) => signingKey(r.headers)));
    assert.ok(keysUsed.size >= 3, `signed with ${keysUsed.size} sets of credentials`);
    for (const key of keysUsed) assert.ok(issued.some((c) => c.outcome.ok && c.outcome.accessKeyId === key));
    // Remembered between renewals, not fetched for each call.
    assert.ok(issued.length < requests.length, `${issued.length} AssumeRole calls for ${requests.length} Bedrock calls`);
  });
}

test('without an STS endpoint setting, AWS_ENDPOINT_URL_STS is honoured', async () => {
  const firstCall = sts.calls.length;
  const previous = process.env.AWS_ENDPOINT_URL_STS;
  process.env.AWS_ENDPOINT_URL_STS = sts.url;
  try {
    const output = await clientFor({ type: 'assume_role', roleArn: tenantRole, externalId: 'tenant-7f3a' }, {}).send(invoke());
    assert.equal(output.$metadata.httpStatusCode, 200);
  } finally {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
    else process.env.AWS_ENDPOINT_URL_STS = previous;
  }
  assert.equal(sts.calls.length, firstCall + 1);
  assert.equal(signingKey(bedrock.requests.at(-1)!.headers), (sts.calls.at(-1)!.outcome as { accessKeyId: string }).accessKeyId);
});

test('static credentials are used as given; the default chain is left to the SDK', async () => {
  assert.equal(credentialsProvider({ type: 'default' }, { region }), undefined);
  const output = await clientFor({ type: 'static', ...emulatorCredentials }).send(invoke());
  assert.equal(output.$metadata.httpStatusCode, 200);
  assert.equal(signingKey(bedrock.requests.at(-1)!.headers), emulatorCredentials.accessKeyId);
});
