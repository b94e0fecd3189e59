import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { BedrockRuntimeServiceException, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { emulatorBearerToken, startEmulator, type Emulator } from '../../../src/emulator/index.js';
import { decodeJson, http1Handler, invokeBody, recordResponses, rejection, runtimeClient, sonnet45Profile } from './sdk.js';

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.close());

const invoke = () => new InvokeModelCommand({ modelId: sonnet45Profile, body: invokeBody('hi') });

for (const [name, config] of [
  ['HTTP/2', {}],
  ['HTTP/1.1', http1Handler()],
] as const) {
  test(`over ${name}, a request signed with the wrong secret is refused as AWS refuses it`, async () => {
    const client = runtimeClient(emulator, { ...config, credentials: { accessKeyId: 'ccag-emulator', secretAccessKey: 'not-the-secret' } });
    const responses = recordResponses(client);
    const err = await rejection(client.send(invoke()));
    assert.ok(err instanceof BedrockRuntimeServiceException);
    assert.equal(err.name, 'InvalidSignatureException');
    assert.equal(err.$metadata.httpStatusCode, 403);
    assert.equal(
      err.message,
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    assert.equal(responses[0]!.headers['x-amzn-errortype'], 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/');
    assert.equal(emulator.requests.at(-1)!.outcome.ok, false);
  });
}

test('an unknown access key, a request signed for another region, and a missing signature are refused', async () => {
  const stranger = await rejection(runtimeClient(emulator, { credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'ccag-emulator-secret' } }).send(invoke()));
  assert.equal(stranger.name, 'UnrecognizedClientException');
  assert.equal(stranger.$metadata.httpStatusCode, 403);
  assert.equal(stranger.message, 'The security token included in the request is invalid.');

  const elsewhere = await rejection(runtimeClient(emulator, { region: 'eu-west-1' }).send(invoke()));
  assert.equal(elsewhere.name, 'InvalidSignatureException');
  assert.equal(elsewhere.message, 'Credential should be scoped to a valid region.');

  const unsigned = runtimeClient(emulator);
  unsigned.middlewareStack.addRelativeTo(
    (next: any) => (args: any) => {
      delete args.request.headers.authorization;
      return next(args);
    },
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'dropAuthorization' },
  );
  const missing = await rejection(unsigned.send(invoke()));
  assert.equal(missing.name, 'MissingAuthenticationTokenException');
  assert.equal(missing.$metadata.httpStatusCode, 403);
});

test('a request whose body was changed after signing fails the body hash or the signature check', async () => {
  const tampered = (rehash: boolean) => {
    const client = runtimeClient(emulator, http1Handler());
    client.middlewareStack.addRelativeTo(
      (next: any) => (args: any) => {
        args.request.body = invokeBody('a different prompt');
        args.request.headers['content-length'] = String(args.request.body.byteLength);
        if (rehash) args.request.headers['x-amz-content-sha256'] = createHash('sha256').update(args.request.body).digest('hex');
        return next(args);
      },
      { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamper' },
    );
    return rejection(client.send(invoke()));
  };
  const staleHash = await tampered(false);
  assert.equal(staleHash.name, 'InvalidSignatureException');
  assert.equal(staleHash.message, "The provided 'x-amz-content-sha256' header does not match what was computed.");
  const resigned = await tampered(true);
  assert.equal(resigned.name, 'InvalidSignatureException');
  assert.match(resigned.message, /^The request signature we calculated does not match/);
});

test('a Bedrock API key (bearer token) is accepted instead of SigV4, and a wrong one is not', async () => {
  const withKey = runtimeClient(emulator, { token: { token: emulatorBearerToken }, authSchemePreference: ['httpBearerAuth'] });
  const message = decodeJson((await withKey.send(invoke())).body);
  assert.equal(message.type, 'message');
  assert.equal(emulator.requests.at(-1)!.headers.authorization, `Bearer ${emulatorBearerToken}`);

  const wrongKey = runtimeClient(emulator, { token: { token: 'not-the-key' }, authSchemePreference: ['httpBearerAuth'] });
  const err = await rejection(wrongKey.send(invoke()));
  assert.equal(err.name, 'UnrecognizedClientException');
  assert.equal(err.$metadata.httpStatusCode, 403);
});

test('an emulator started with other credentials and region expects exactly those', async () => {
  const other = await startEmulator({ region: 'eu-central-1', credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' } });
  try {
    const client = runtimeClient(other, { region: 'eu-central-1', credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'other-secret' } });
    const body = invokeBody('hi');
    const message = decodeJson((await client.send(new InvokeModelCommand({ modelId: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', body }))).body);
    assert.equal(message.model, 'claude-sonnet-4-5-20250929');
    // A us. profile does not exist in an EU region.
    const us = await rejection(client.send(new InvokeModelCommand({ modelId: sonnet45Profile, body })));
    assert.equal(us.message, 'The provided model identifier is invalid.');
    const defaults = await rejection(runtimeClient(other, { region: 'eu-central-1' }).send(invoke()));
    assert.equal(defaults.name, 'UnrecognizedClientException');
  } finally {
    await other.close();
  }
});
