import type { Logger } from 'pino';
import type { AccessTokenSigner } from '../auth/access-token.js';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { DeviceSessions } from '../auth/device-sessions.js';
import type { IdentityProviders } from '../auth/oidc/registry.js';
import type { SecretBox } from '../auth/secret-key.js';
import type { Db } from '../db/db.js';
import type { NotificationDispatcher } from '../notify/dispatcher.js';
import type { OutageGrace } from '../db/outage-grace.js';
import type { Config } from './config.js';
import type { Inference } from '../gateway/inference.js';

/** What route plugins are given: the shared, long-lived parts of one gateway process. */
export interface Services {
  config: Config;
  db: Db;
  log: Logger;
  credentials: CredentialCache;
  inference: Inference;
  version: string;
  sso: Sso;
  /** Delivers notifications from the outbox; sends test events. */
  notifications: NotificationDispatcher;
  /** Whether the database answers, and how long caches serve when it does not. */
  outage: OutageGrace;
}

/** Sign-in beyond passwords: identity providers, signed-in devices, access tokens, sealed secrets. */
export interface Sso {
  idps: IdentityProviders;
  deviceSessions: DeviceSessions;
  accessTokens: AccessTokenSigner;
  secrets: SecretBox;
}
