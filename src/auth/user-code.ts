import { randomInt } from 'node:crypto';

// RFC 8628 §6.1: base-20 consonants (no vowels, so no words; no look-alikes), 8 characters
// for about 34 bits, shown as XXXX-XXXX.
const alphabet = 'BCDFGHJKLMNPQRSTVWXZ';

export function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += alphabet[randomInt(alphabet.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The code as stored, from what a user typed (any case, with or without the dash or spaces). */
export function normalizeUserCode(input: string): string | undefined {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, '');
  if (letters.length !== 8 || [...letters].some((c) => !alphabet.includes(c))) return undefined;
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}
