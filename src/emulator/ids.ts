import { randomInt } from 'node:crypto';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += base62[randomInt(62)];
  return out;
}

/** Bedrock-served message ids look like msg_bdrk_012GBPzpcoMCLP1b2pcJsSHk. */
export function newMessageId(): string {
  return `msg_bdrk_01${randomBase62(22)}`;
}

export function newToolUseId(): string {
  return `toolu_bdrk_01${randomBase62(22)}`;
}
