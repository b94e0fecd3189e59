import type { Logger } from 'pino';
import type { CredentialCache } from '../auth/credential-cache.js';
import type { Db } from '../db/db.js';
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
}
