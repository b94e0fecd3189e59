import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import { IdpRefusal, IdpUnavailable, OidcRelyingParty } from '../../../src/auth/oidc/relying-party.js';
import { identityProviderDefaults, type IdentityProviderRow } from '../../../src/db/repos/identity-providers.js';

/**
 * The gateway's OIDC client against a scripted IdP that can send any ID token: the checks a
 * real IdP never lets a test reach (wrong nonce, alg none, HS256 keyed with the public key,
 * rotated keys) are made here.
 */
let server: Server;
let issuer: string;
const keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];
let jwksFetches = 0;
let tokenResponse: { status: number; body: unknown } = { status: 200, body: {} };
let lastTokenRequest: { authorization?: string; body: string } | undefined;

async function addKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
}

const read = (req: IncomingMessage) => new Promise<string>((resolve) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => resolve(body));
});

before(async () => {
  await addKey('k1');
  server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      return send(200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks` });
    }
    if (req.url === '/jwks') {
      jwksFetches++;
      return send(200, { keys: keys.map((k) => k.jwk) });
    }
    if (req.url === '/token') {
      lastTokenRequest = { authorization: req.headers.authorization, body: await read(req) };
      return send(tokenResponse.status, tokenResponse.body);
    }
    send(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function party(overrides: Partial<IdentityProviderRow> = {}, jwksCooldownMs?: number) {
  const row: IdentityProviderRow = {
    ...identityProviderDefaults,
    id: '00000000-0000-0000-0000-000000000001',
    name: 'stub',
    issuer,
    client_id: 'ccag',
    client_secret_sealed: null,
    seeded_from_env: false,
    created_at: new Date(),
    updated_at: new Date(),
    ...overrides,
  };
  return new OidcRelyingParty(row, 'the secret', 'http://gw.example/auth/oidc/callback', jwksCooldownMs);
}

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: object = {}) => ({ iss: issuer, aud: 'ccag', sub: 'u1', nonce: 'n-1', iat: now(), exp: now() + 300, email: 'a@corp.example', ...extra });
const signed = (c: object, key = keys[0]!) => new SignJWT(c as any).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);

test('a well-formed ID token verifies, with its nonce', async () => {
  const payload = await party().verifyIdToken(await signed(claims()), 'n-1');
  assert.equal(payload.email, 'a@corp.example');
});

test('wrong nonce, wrong issuer, wrong audience and expiry are refused', async () => {
  const rp = party();
  await assert.rejects(rp.verifyIdToken(await signed(claims()), 'another-nonce'), (e) => e instanceof IdpRefusal && /nonce/.test(e.message));
  for (const bad of [claims({ iss: 'https://evil.example' }), claims({ aud: 'someone-else' }), claims({ iat: now() - 3600, exp: now() - 600 })]) {
    await assert.rejects(rp.verifyIdToken(await signed(bad), 'n-1'), IdpRefusal);
  }
});

test('alg none and HS256 keyed with the public key never verify', async () => {
  const rp = party();
  await assert.rejects(rp.verifyIdToken(new UnsecuredJWT(claims()).encode(), 'n-1'), IdpRefusal);
  const publicPem = createPublicKey({ key: keys[0]!.jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
  for (const secret of [publicPem, JSON.stringify(keys[0]!.jwk)]) {
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(secret));
    await assert.rejects(rp.verifyIdToken(forged, 'n-1'), IdpRefusal);
  }
});

test('a rotated key is fetched when a token names an unknown kid, at most once per cool-down', async () => {
  const cooldownMs = 300;
  const rp = party({}, cooldownMs);
  await rp.verifyIdToken(await signed(claims()), 'n-1');
  const before = jwksFetches;
  await addKey('k2');
  await new Promise((r) => setTimeout(r, cooldownMs + 50));
  const payload = await rp.verifyIdToken(await signed(claims(), keys[1]), 'n-1');
  assert.equal(payload.sub, 'u1');
  assert.equal(jwksFetches, before + 1, 'the new key came from one refetch');
  // A client that fetched moments ago does not fetch again for kids nobody knows.
  const patient = party({}, 60_000);
  await patient.verifyIdToken(await signed(claims()), 'n-1');
  const fetched = jwksFetches;
  const stranger = (await generateKeyPair('RS256')).privateKey;
  const unknown = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'k-unknown' }).sign(stranger);
  await assert.rejects(patient.verifyIdToken(unknown, 'n-1'), IdpRefusal);
  await assert.rejects(patient.verifyIdToken(unknown, 'n-1'), IdpRefusal);
  assert.equal(jwksFetches, fetched, 'unknown kids do not hammer the IdP');
});

test('the code exchange authenticates the client with HTTP Basic and sends the PKCE verifier', async () => {
  tokenResponse = { status: 200, body: { id_token: 'x', access_token: 'a', refresh_token: 'r' } };
  const tokens = await party().exchangeCode('the-code', 'the-verifier');
  assert.equal(tokens.refresh_token, 'r');
  assert.equal(lastTokenRequest!.authorization, `Basic ${Buffer.from('ccag:the%20secret').toString('base64')}`);
  const form = new URLSearchParams(lastTokenRequest!.body);
  assert.equal(form.get('grant_type'), 'authorization_code');
  assert.equal(form.get('code_verifier'), 'the-verifier');
  assert.equal(form.get('redirect_uri'), 'http://gw.example/auth/oidc/callback');
});

test('an IdP that says invalid_grant refuses; one that fails or is unreachable is unavailable', async () => {
  tokenResponse = { status: 400, body: { error: 'invalid_grant', error_description: 'user is gone' } };
  await assert.rejects(party().refresh('r'), (e) => e instanceof IdpRefusal && /user is gone/.test(e.message));
  tokenResponse = { status: 503, body: {} };
  await assert.rejects(party().refresh('r'), IdpUnavailable);
  await assert.rejects(party({ issuer: 'http://127.0.0.1:9' }).refresh('r'), IdpUnavailable);
});

test('discovery that names another issuer is refused', async () => {
  await assert.rejects(party({ issuer: `${issuer.replace('127.0.0.1', 'localhost')}` }).discover(), (e) => e instanceof IdpUnavailable && /names the issuer/.test(e.message));
});
