import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir } from './profiles.js';

/**
 * Secrets (session tokens) in the OS keychain through @napi-rs/keyring; where no keychain is
 * reachable (headless Linux, containers), a 0600 file beside the config, with a warning.
 * CCAG_CREDENTIAL_STORE=file|keychain forces one.
 */
const service = 'ccag';
let warned = false;

interface Store {
  get(account: string): string | undefined;
  set(account: string, secret: string): void;
  delete(account: string): void;
}

const fileStore: Store = {
  get: (account) => readFileSecrets()[account],
  set: (account, secret) => writeFileSecrets({ ...readFileSecrets(), [account]: secret }),
  delete: (account) => {
    const all = readFileSecrets();
    delete all[account];
    writeFileSecrets(all);
  },
};

function credentialsFile(): string {
  return join(configDir(), 'credentials.json');
}

function readFileSecrets(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function writeFileSecrets(secrets: Record<string, string>): void {
  const path = credentialsFile();
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

async function keychainStore(): Promise<Store | undefined> {
  try {
    const { Entry } = await import('@napi-rs/keyring');
    const probe = new Entry(service, '__ccag_probe__');
    probe.getPassword(); // throws when no keychain service is reachable
    return {
      get: (account) => new Entry(service, account).getPassword() ?? undefined,
      set: (account, secret) => new Entry(service, account).setPassword(secret),
      delete: (account) => {
        new Entry(service, account).deletePassword();
      },
    };
  } catch {
    return undefined;
  }
}

let chosen: Promise<Store> | undefined;

function store(): Promise<Store> {
  return (chosen ??= (async () => {
    const wanted = process.env.CCAG_CREDENTIAL_STORE;
    if (wanted === 'file') return fileStore;
    const keychain = await keychainStore();
    if (keychain) return keychain;
    if (wanted === 'keychain') throw new Error('CCAG_CREDENTIAL_STORE=keychain, but no OS keychain is reachable');
    if (!warned) {
      warned = true;
      process.stderr.write(`warning: no OS keychain reachable; credentials are kept in ${credentialsFile()} (mode 0600)\n`);
    }
    return fileStore;
  })());
}

export async function getSecret(account: string): Promise<string | undefined> {
  return (await store()).get(account);
}

export async function setSecret(account: string, secret: string): Promise<void> {
  (await store()).set(account, secret);
}

export async function deleteSecret(account: string): Promise<void> {
  try {
    (await store()).delete(account);
  } catch {
    // nothing stored
  }
}

/** Where secrets go on this machine: the OS keychain, or the 0600 file. */
export async function credentialStoreKind(): Promise<'keychain' | 'file'> {
  return (await store()) === fileStore ? 'file' : 'keychain';
}

/** The keychain account a profile's login session token is stored under (connect's use `#…` suffixes). */
export function credentialAccount(profile: string, url: string): string {
  return `${profile}@${url}`;
}
