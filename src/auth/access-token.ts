import { createHash, createHmac, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { errors, exportJWK, jwtVerify, SignJWT, type JWK } from 'jose';

/** Audience of gateway access tokens: they are good at this gateway only. */
export const accessTokenAudience = 'ccag';
// An Ed25519 private key in PKCS#8 DER is this prefix followed by the 32-byte seed.
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface AccessTokenClaims {
  /** The user. */
  sub: string;
  /** The signed-in device (refresh-token family). */
  sid: string;
}

export interface VerifiedAccessToken extends AccessTokenClaims {
  /** Epoch ms. */
  expiresAt: number;
}

/** Why an access token was refused, in words a user can act on. */
export class AccessTokenError extends Error {
  override name = 'AccessTokenError';
}

/**
 * Signs and verifies the gateway's access tokens: short-lived JWTs (EdDSA) with a key derived
 * from CCAG_SECRET_KEY, so every replica signs and verifies alike without storing a key, and
 * tokens signed before a key rotation verify with CCAG_SECRET_KEY_PREVIOUS.
 */
export class AccessTokenSigner {
  private readonly keys: SigningKey[];

  constructor(
    secretKey: string,
    previousSecretKey: string | undefined,
    /** The issuer: read at each use, because the public URL is known only once listening. */
    private readonly issuer: () => string,
    readonly ttlMs: number,
  ) {
    this.keys = [secretKey, previousSecretKey].filter((k): k is string => Boolean(k)).map(deriveSigningKey);
  }

  /** A token for the claims, valid for the configured lifetime but never past `notAfter`. */
  async sign(claims: AccessTokenClaims, notAfter?: Date): Promise<{ token: string; expiresAt: Date }> {
    const key = this.keys[0]!;
    const expiresAt = new Date(Math.min(Date.now() + this.ttlMs, notAfter?.getTime() ?? Infinity));
    const token = await new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid })
      .setSubject(claims.sub)
      .setIssuer(this.issuer())
      .setAudience(accessTokenAudience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, expiresAt };
  }

  /** The token's claims, or an AccessTokenError saying what is wrong with it. */
  async verify(token: string): Promise<VerifiedAccessToken> {
    try {
      const { payload } = await jwtVerify(token, (header) => this.publicKeyFor(header.kid), {
        algorithms: ['EdDSA'],
        issuer: this.issuer(),
        audience: accessTokenAudience,
        typ: 'at+jwt',
        requiredClaims: ['sub', 'exp', 'sid'],
      });
      if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') throw new AccessTokenError('invalid access token');
      return { sub: payload.sub, sid: payload.sid, expiresAt: payload.exp! * 1000 };
    } catch (err) {
      throw new AccessTokenError(describeRefusal(err));
    }
  }

  /** The public keys, as a JWKS (GET /.well-known/jwks.json). */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: await Promise.all(this.keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: 'EdDSA', use: 'sig' }))) };
  }

  private publicKeyFor(kid: string | undefined): KeyObject {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) throw new AccessTokenError('access token signed with an unknown key');
    return key.publicKey;
  }
}

/** A JWT shape (three base64url parts): what tells an access token from a key on the wire. */
export function looksLikeJwt(value: string): boolean {
  return value.startsWith('eyJ') && value.split('.').length === 3;
}

function deriveSigningKey(secret: string): SigningKey {
  const seed = createHmac('sha256', secret).update('ccag access token signing key v1').digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const kid = createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url').slice(0, 16);
  return { kid, privateKey, publicKey };
}

function describeRefusal(err: unknown): string {
  if (err instanceof AccessTokenError) return err.message;
  if (err instanceof errors.JWTExpired) return 'access token expired; get a new one with `ccag token`';
  if (err instanceof errors.JWTClaimValidationFailed) return `invalid access token: ${err.claim} claim check failed`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'invalid access token: signing algorithm not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'invalid access token: bad signature';
  return 'invalid access token';
}
