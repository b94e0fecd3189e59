import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { FetchImplementation } from 'jose';
import { Agent, fetch } from 'undici';

/**
 * SSRF guard for identity-provider URLs (discovery, token, userinfo, JWKS). IdPs often run on
 * private networks (Keycloak, ADFS), so private and loopback addresses stay allowed; link-local
 * ones do not: that is where clouds serve instance metadata and its credentials
 * (169.254.169.254, fd00:ec2::254). The check is on the addresses the socket connects to, so a
 * DNS name cannot rebind to them either.
 */
const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');
linkLocal.addAddress('fd00:ec2::254', 'ipv6');

export function isMetadataAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && linkLocal.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class MetadataAddressError extends Error {
  override name = 'MetadataAddressError';
  readonly code = 'ERR_SSRF_BLOCKED';
  constructor(host: string) {
    super(`${host} is a link-local address (cloud instance metadata); identity provider URLs may not point there`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function lookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isMetadataAddress(a.address));
    if (bad) return callback(new MetadataAddressError(`${hostname} (${bad.address})`), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}

/** The undici dispatcher every request to an identity provider goes through. */
export const idpDispatcher = new Agent({ connect: { lookup } });

/** An IP-literal host skips the lookup: it is checked here. */
export function assertNotMetadataUrl(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (isMetadataAddress(host)) throw new MetadataAddressError(host);
}

/** fetch for jose's remote JWKS, through the same guard. */
export const guardedFetch: FetchImplementation = async (url, init) => {
  assertNotMetadataUrl(url);
  const res = await fetch(url, { method: init.method, redirect: init.redirect, signal: init.signal, headers: Object.fromEntries(init.headers), dispatcher: idpDispatcher });
  return res as unknown as Response;
};
