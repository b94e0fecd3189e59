import { randomFillSync } from 'node:crypto';

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const idChars = 24;
/** Random bytes drawn from the system in blocks: one call per 170 request ids, not one per request. */
const pool = Buffer.alloc(4096);
let used = pool.length;

/**
 * A request id (`req_` + 24 base62 characters, about 143 bits): unique across replicas without
 * coordination. Not a secret, so the small bias of `byte % 62` does not matter.
 */
export function newRequestId(): string {
  if (used + idChars > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let id = 'req_';
  for (let i = 0; i < idChars; i++) id += alphabet[pool[used++]! % 62];
  return id;
}
