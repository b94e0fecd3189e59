import { hashSecret, randomBase62 } from './random-token.js';

export const refreshTokenPrefix = 'ccag-rt-';

/** A refresh token: 32 random bytes, base62; only its SHA-256 is stored. */
export function generateRefreshToken(): { token: string; hash: string } {
  const token = refreshTokenPrefix + randomBase62(32);
  return { token, hash: hashSecret(token) };
}
