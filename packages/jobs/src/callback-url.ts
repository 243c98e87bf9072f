import { type LookupAddress, lookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF guard for webhook URLs, shared by the web app (when a job is submitted) and the worker (when it connects).
 * Allow-list entries are hostnames or IPs, lower case, `*` for all (`UNWARP_CALLBACK_ALLOW_HOSTS`, parsed by
 * `@unwarp/config`).
 */

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

/** A callback URL that may not be used. `retry` is false: the same URL fails the same way. */
export class CallbackUrlError extends Error {
  readonly retry = false;
  constructor(
    readonly code: 'invalid-callback-url' | 'callback-url-forbidden',
    message: string,
  ) {
    super(message);
    this.name = 'CallbackUrlError';
  }
}

/** Private, loopback, link-local, CGNAT, multicast, reserved, or an IPv4-mapped IPv6 form of one. Non-IPs count. */
export function isPrivateAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) return blocked.check(ip, 'ipv4');
  if (v === 6) {
    // ::ffff:10.0.0.1 (or ::ffff:a00:1) is an IPv4 address in disguise.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
    if (hex) {
      const hi = Number.parseInt(hex[1]!, 16);
      const lo = Number.parseInt(hex[2]!, 16);
      return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
    }
    return blocked.check(ip, 'ipv6');
  }
  return true;
}

export type Resolver = (host: string) => Promise<string[]>;
const lookupAll = (host: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    lookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
const systemResolver: Resolver = async (host) => (await lookupAll(host)).map((a) => a.address);

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
const hostAllowed = (host: string, allow: readonly string[]) => allow.includes('*') || allow.includes(host);

function forbidden(host: string, address: string): CallbackUrlError {
  return new CallbackUrlError(
    'callback-url-forbidden',
    `callbackUrl host ${host} resolves to ${address}, a private or loopback address; allow it with UNWARP_CALLBACK_ALLOW_HOSTS if that is intended`,
  );
}

/** The first address that is private and not itself allowed, if any. */
const firstForbidden = (addresses: readonly string[], allow: readonly string[]) =>
  addresses.find((a) => isPrivateAddress(a) && !allow.includes(a.toLowerCase()));

/**
 * Refuses a callback URL that is not plain http(s), carries credentials, or resolves to a private, loopback or
 * link-local address (SSRF), unless its host (or `*`) is in `allow`. Returns the normalised URL. Throws
 * CallbackUrlError. The worker delivers later and DNS may change in between: it connects through `guardedLookup`,
 * which checks again the addresses it actually connects to.
 */
export async function checkCallbackUrl(
  raw: string,
  allow: readonly string[],
  resolve: Resolver = systemResolver,
): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackUrlError('invalid-callback-url', 'callbackUrl is not a valid URL');
  }
  if (raw.length > 2048)
    throw new CallbackUrlError('invalid-callback-url', 'callbackUrl is longer than 2048 characters');
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CallbackUrlError('invalid-callback-url', 'callbackUrl must be http or https');
  if (url.username || url.password)
    throw new CallbackUrlError(
      'invalid-callback-url',
      'callbackUrl must not contain credentials; the signature authenticates the sender',
    );
  const host = hostOf(url);
  if (hostAllowed(host, allow)) return url.toString();
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new CallbackUrlError('invalid-callback-url', `callbackUrl host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0)
    throw new CallbackUrlError('invalid-callback-url', `callbackUrl host ${host} does not resolve`);
  const bad = firstForbidden(addresses, allow);
  if (bad) throw forbidden(host, bad);
  return url.toString();
}

/**
 * For the connecting side (`http.request(url, { lookup })`): resolves like the system does, then refuses, at connect
 * time, a host with any private address that is not allowed. Because the check runs on the very addresses the socket
 * is about to use, a DNS answer that changed since submission (rebinding) cannot slip through. An allowed host, and
 * any host when `allow` holds `*`, is resolved without the check. IP literals never reach a lookup: check them with
 * `checkCallbackTarget` first.
 */
export function guardedLookup(allow: readonly string[], resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const done = callback as (
      err: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    resolve(host).then(
      (addresses) => {
        const wanted = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((a) => a.family !== 0 && (!options.family || options.family === a.family));
        if (wanted.length === 0) {
          done(Object.assign(new Error(`${host} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
          return;
        }
        const bad = hostAllowed(host, allow) ? undefined : firstForbidden(addresses, allow);
        if (bad) {
          done(forbidden(host, bad), '', 0);
          return;
        }
        if (options.all) done(null, wanted);
        else done(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => done(err, '', 0),
    );
  };
}

/**
 * The checks the worker makes right before connecting that need no DNS: scheme, credentials, and an IP-literal host
 * (which `guardedLookup` never sees). Throws CallbackUrlError; returns the parsed URL.
 */
export function checkCallbackTarget(raw: string, allow: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackUrlError('invalid-callback-url', 'callbackUrl is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CallbackUrlError('invalid-callback-url', 'callbackUrl must be http or https');
  if (url.username || url.password)
    throw new CallbackUrlError('invalid-callback-url', 'callbackUrl must not contain credentials');
  const host = hostOf(url);
  if (isIP(host) && !hostAllowed(host, allow) && isPrivateAddress(host)) throw forbidden(host, host);
  return url;
}
