import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF guard for search provider URLs: a provider URL (or a DNS name it resolves to) must not point
 * at the gateway's own network — loopback, private ranges, link-local (which holds the cloud
 * metadata address 169.254.169.254), CGNAT, unique-local IPv6, multicast and the like — unless the
 * provider is configured with `allowPrivateAddresses`.
 *
 * DNS rebinding: checking a name once and then letting the HTTP client resolve it again would let a
 * hostile DNS server answer with a public address for the check and a private one for the
 * connection. The providers therefore also connect through `guardedLookup` (an undici Agent
 * `connect.lookup`), which checks the very addresses the socket is opened to.
 */

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (embeds an IPv4 address that may be private)
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** True for an IP address that is not publicly routable. IPv4-mapped IPv6 (::ffff:a.b.c.d) is checked as IPv4. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true; // not an address: refuse rather than guess
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
}

/**
 * Refuses a URL that is not http(s), or whose host is (or resolves to) a non-public address,
 * unless `allowPrivate`. Resolves every address of a name: one private address is enough to refuse.
 */
export async function assertPublicUrl(url: string, o: { allowPrivate?: boolean } = {}): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsafeUrlError(`not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UnsafeUrlError(`only http and https URLs are allowed, not ${parsed.protocol}`);
  }
  if (o.allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw refused(host, host);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await dnsLookupAsync(host, { all: true, verbatim: true });
  } catch (err) {
    throw new UnsafeUrlError(`cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw refused(host, bad.address);
}

function refused(host: string, address: string): UnsafeUrlError {
  const what = host === address ? host : `${host} (${address})`;
  return new UnsafeUrlError(
    `${what} is a loopback, private, link-local or otherwise internal address; such URLs are refused unless allow_private is set (CLI: --allow-private)`,
  );
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `net.connect` lookup that refuses non-public addresses, so the socket goes to a checked address. */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) {
      const error: NodeJS.ErrnoException = refused(hostname, bad.address);
      error.code = 'ERR_SSRF_BLOCKED';
      return callback(error, []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}
