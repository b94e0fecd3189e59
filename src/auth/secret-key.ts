import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded deployment's secret key: generated once into the data folder (0600) so that
 * one command starts a working gateway. With Postgres it must come from CCAG_SECRET_KEY,
 * because every replica needs the same one and it must never live in the database.
 */
export function loadOrCreateSecretKeyFile(dataDir: string): string {
  const file = join(dataDir, 'secret-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

const version = 'v1';

/**
 * Encrypts stored secrets (IdP client secrets, provider API keys) with AES-256-GCM under a
 * key derived from CCAG_SECRET_KEY; CCAG_SECRET_KEY_PREVIOUS still decrypts during rotation.
 */
export class SecretBox {
  private readonly keys: Buffer[];

  constructor(secretKey: string, previousSecretKey?: string) {
    this.keys = [secretKey, previousSecretKey].filter((k): k is string => Boolean(k)).map(deriveKey);
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [version, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(sealed: string): string {
    const [v, iv, tag, data] = sealed.split('.');
    if (v !== version || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // try the previous key
      }
    }
    throw new Error('a stored secret could not be decrypted: CCAG_SECRET_KEY changed without CCAG_SECRET_KEY_PREVIOUS');
  }
}

function deriveKey(secret: string): Buffer {
  return createHash('sha256').update('ccag secret box v1\0').update(secret).digest();
}
