import { hashSecret, randomBase62 } from './random-token.js';

export const virtualKeyPrefix = 'sk-ccag-';
const virtualKeyPattern = /^sk-ccag-[0-9A-Za-z]{43}$/;
/** How much of a key stays visible in lists: `sk-ccag-` and 6 more characters. */
export const visiblePrefixLength = 14;

export interface NewVirtualKey {
  key: string;
  hash: string;
  prefix: string;
}

export function generateVirtualKey(): NewVirtualKey {
  const key = virtualKeyPrefix + randomBase62(32);
  return { key, hash: hashSecret(key), prefix: key.slice(0, visiblePrefixLength) };
}

export function isVirtualKey(value: string): boolean {
  return virtualKeyPattern.test(value);
}
