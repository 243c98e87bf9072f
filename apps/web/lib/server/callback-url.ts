import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ApiError } from './errors.ts';

/** Addresses a callback may not reach unless its host is allowed in config: the server's own network. */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 can reach IPv4 private space
] as const)
  blocked.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return blocked.check(ip, 'ipv4');
  if (v === 6) {
    // ::ffff:10.0.0.1 is an IPv4 address in disguise.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(ip, 'ipv6');
  }
  return true;
}

export type Resolver = (host: string) => Promise<string[]>;
const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses a callback URL that is not plain http(s), carries credentials, or resolves to a private, loopback or
 * link-local address (SSRF), unless its host (or `*`) is in `allow`. Returns the normalised URL.
 * The worker delivers later, so DNS may change in between: it must check the address again when it connects.
 */
export async function checkCallbackUrl(
  raw: string,
  allow: string[],
  resolve: Resolver = systemResolver,
): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError('invalid-callback-url', 'callbackUrl is not a valid URL');
  }
  if (raw.length > 2048) throw new ApiError('invalid-callback-url', 'callbackUrl is longer than 2048 characters');
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ApiError('invalid-callback-url', 'callbackUrl must be http or https');
  if (url.username || url.password)
    throw new ApiError(
      'invalid-callback-url',
      'callbackUrl must not contain credentials; the signature authenticates the sender',
    );
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allow.includes('*') || allow.includes(host)) return url.toString();
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new ApiError('invalid-callback-url', `callbackUrl host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new ApiError('invalid-callback-url', `callbackUrl host ${host} does not resolve`);
  const bad = addresses.find((a) => isPrivateAddress(a) && !allow.includes(a));
  if (bad)
    throw new ApiError(
      'callback-url-forbidden',
      `callbackUrl host ${host} resolves to ${bad}, a private or loopback address; allow it with UNWARP_CALLBACK_ALLOW_HOSTS if that is intended`,
    );
  return url.toString();
}
