import type { Logger } from 'pino';
import type { Db } from '../../db/db.js';
import { findIdentityProvider, identityProviderDefaults, insertIdentityProvider, updateIdentityProvider } from '../../db/repos/identity-providers.js';
import type { SecretBox } from '../secret-key.js';

/**
 * The identity provider named by OIDC_ISSUER / OIDC_CLIENT_ID / OIDC_CLIENT_SECRET: created at
 * start, or brought in line with the environment when it exists (the environment wins for
 * the fields it sets; everything else stays as admins edited it).
 */
export async function seedIdentityProvider(
  db: Db,
  secrets: SecretBox,
  seed: { name: string; issuer: string; clientId: string; clientSecret?: string },
  log: Logger,
): Promise<void> {
  const sealed = seed.clientSecret ? secrets.encrypt(seed.clientSecret) : null;
  const existing = await findIdentityProvider(db, seed.name);
  if (existing) {
    const same = existing.issuer === seed.issuer && existing.client_id === seed.clientId && Boolean(existing.client_secret_sealed) === Boolean(sealed) &&
      (!sealed || secrets.decrypt(existing.client_secret_sealed!) === seed.clientSecret);
    if (!same) {
      await updateIdentityProvider(db, existing.id, { ...existing, issuer: seed.issuer, client_id: seed.clientId, client_secret_sealed: sealed });
      log.info({ idp: seed.name }, 'identity provider updated from OIDC_* environment');
    }
    return;
  }
  await insertIdentityProvider(db, { ...identityProviderDefaults, name: seed.name, issuer: seed.issuer, client_id: seed.clientId, client_secret_sealed: sealed }, true);
  log.info({ idp: seed.name, issuer: seed.issuer }, 'identity provider created from OIDC_* environment');
}
