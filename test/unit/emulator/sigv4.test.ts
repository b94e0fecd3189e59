import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { BedrockError } from '../../../src/emulator/exceptions.js';
import { verifyAuthorization, type Authority, type ReceivedRequest } from '../../../src/emulator/sigv4.js';

const credentials = { accessKeyId: 'ccag-emulator', secretAccessKey: 'ccag-emulator-secret' };
const authority: Authority = { region: 'us-east-1', credentials, bearerToken: 'ccag-emulator-bearer' };

/** A request signed the way the AWS SDK signs it, as the emulator would receive it. */
async function signed(
  options: { path?: string; query?: Record<string, string>; body?: string; secret?: string; region?: string; date?: Date; method?: string } = {},
): Promise<ReceivedRequest> {
  const body = options.body ?? '{"anthropic_version":"bedrock-2023-05-31"}';
  const path = options.path ?? '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke';
  const signer = new SignatureV4({
    credentials: { ...credentials, secretAccessKey: options.secret ?? credentials.secretAccessKey },
    region: options.region ?? 'us-east-1',
    service: 'bedrock',
    sha256: Hash.bind(null, 'sha256'),
  });
  const request = await signer.sign(
    {
      method: options.method ?? 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4000,
      path,
      query: options.query ?? {},
      headers: { host: '127.0.0.1:4000', 'content-type': 'application/json', 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
      body,
    },
    { signingDate: options.date ?? new Date() },
  );
  const query = new URLSearchParams(options.query ?? {}).toString();
  return { method: request.method, url: query ? `${path}?${query}` : path, headers: request.headers as Record<string, string>, body: Buffer.from(body) };
}

async function refusal(request: ReceivedRequest, auth: Authority = authority): Promise<BedrockError> {
  try {
    await verifyAuthorization(request, auth);
  } catch (err) {
    if (err instanceof BedrockError) return err;
    throw err;
  }
  assert.fail('expected the request to be refused');
}

test('a request signed like the SDK signs it verifies, with an encoded ARN path or a query string', async () => {
  await verifyAuthorization(await signed(), authority);
  await verifyAuthorization(
    await signed({ path: '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc/invoke-with-response-stream' }),
    authority,
  );
  await verifyAuthorization(await signed({ method: 'GET', path: '/inference-profiles', query: { maxResults: '5', type: 'SYSTEM_DEFINED' }, body: '' }), authority);
});

test('anything changed after signing fails the signature, with AWS’s message', async () => {
  const mismatch =
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
  const original = await signed();
  const wrongSecret = await refusal(await signed({ secret: 'guess' }));
  assert.deepEqual([wrongSecret.exception, wrongSecret.status, wrongSecret.message], ['InvalidSignatureException', 403, mismatch]);
  assert.equal((await refusal({ ...original, url: original.url.replace('invoke', 'invoke-with-response-stream') })).message, mismatch);
  assert.equal((await refusal({ ...original, headers: { ...original.headers, 'content-type': 'text/plain' } })).message, mismatch);
  const otherBody = '{"anthropic_version":"bedrock-2023-05-31","max_tokens":1}';
  assert.equal(
    (await refusal({ ...original, body: Buffer.from(otherBody) })).message,
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
  );
});

test('missing, unknown, mis-scoped and stale credentials are refused the way AWS refuses them', async () => {
  const request = await signed();
  const { authorization: _, ...unsigned } = request.headers;
  assert.deepEqual(
    [(await refusal({ ...request, headers: unsigned })).exception, (await refusal({ ...request, headers: unsigned })).message],
    ['MissingAuthenticationTokenException', 'Missing Authentication Token'],
  );
  const stranger = await refusal(request, { ...authority, credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' } });
  assert.deepEqual([stranger.exception, stranger.message], ['UnrecognizedClientException', 'The security token included in the request is invalid.']);
  assert.equal((await refusal(await signed({ region: 'eu-west-1' }))).message, 'Credential should be scoped to a valid region.');

  const stale = await refusal(await signed({ date: new Date(Date.now() - 20 * 60 * 1000) }));
  assert.equal(stale.exception, 'InvalidSignatureException');
  assert.match(stale.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  assert.match((await refusal(await signed({ date: new Date(Date.now() + 20 * 60 * 1000) }))).message, /^Signature not yet current/);

  const garbled = await refusal({ ...request, headers: { ...request.headers, authorization: 'AWS4-HMAC-SHA256 Credential=ccag-emulator/20261122/us-east-1/bedrock/aws4_request' } });
  assert.equal(garbled.exception, 'IncompleteSignatureException');
  assert.match(garbled.message, /requires 'Signature' parameter/);
});

test('a Bedrock API key is accepted as a bearer token; any other token is not', async () => {
  const request = { method: 'POST', url: '/model/x/invoke', body: Buffer.alloc(0) };
  await verifyAuthorization({ ...request, headers: { authorization: 'Bearer ccag-emulator-bearer' } }, authority);
  const wrong = await refusal({ ...request, headers: { authorization: 'Bearer ccag-emulator-bearer-2' } });
  assert.equal(wrong.exception, 'UnrecognizedClientException');
});
