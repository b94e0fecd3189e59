import { hashSecret, randomBase62 } from './random-token.js';

export const sessionTokenPrefix = 'ccag-sess-';
const sessionTokenPattern = /^ccag-sess-[0-9A-Za-z]{43}$/;

export function generateSessionToken(): { token: string; hash: string } {
  const token = sessionTokenPrefix + randomBase62(32);
  return { token, hash: hashSecret(token) };
}

export function isSessionToken(value: string): boolean {
  return sessionTokenPattern.test(value);
}
