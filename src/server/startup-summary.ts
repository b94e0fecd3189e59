import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from './gateway.js';
import { version } from './version.js';

/**
 * What an admin wants to know once `ccag serve` is up: where it listens, which database and
 * upstream it uses, how people sign in, and the next command to run. Printed on a terminal;
 * the same facts go to the log as one line otherwise.
 */
export async function startupSummary(gateway: Gateway, url: string): Promise<{ lines: string[]; fields: Record<string, unknown> }> {
  const { config, db, inference } = gateway;
  const database = db.kind === 'pglite' ? `embedded (PGlite) in ${config.dataDir}` : 'PostgreSQL';
  const endpoints = inference.router.all();
  const configured = endpoints.filter((e) => e.id !== 'default');
  const upstream =
    config.upstream === 'emulator'
      ? 'the built-in Bedrock emulator (no AWS calls)'
      : configured.length
        ? `Amazon Bedrock: ${configured.length} endpoint(s) (${configured.filter((e) => e.enabled).map((e) => `${e.name} ${e.region}`).join(', ') || 'none enabled'})`
        : `Amazon Bedrock ${inference.region} (default AWS credentials)`;
  const idps = await gateway.sso.idps.enabled();
  const signIn = idps.length ? `SSO through ${idps.map((p) => p.name).join(', ')}, and passwords` : 'passwords (no identity provider yet: ccag idps add)';
  const passwordFile = join(config.dataDir, 'initial-admin-password');
  const admin = existsSync(passwordFile) ? `the first admin password is in ${passwordFile}` : 'sign in as an existing admin';
  const lines = [
    `ccag ${version} is listening on ${url}`,
    `  public URL  ${config.publicUrl}`,
    `  database    ${database}`,
    `  upstream    ${upstream}`,
    `  sign-in     ${signIn}`,
    `  admin       ${admin}`,
    `  next        ccag login ${config.publicUrl} --username admin   ·   developers: ccag connect ${config.publicUrl}`,
  ];
  return { lines, fields: { url, publicUrl: config.publicUrl, database: db.kind, upstream, identityProviders: idps.map((p) => p.name), version } };
}
