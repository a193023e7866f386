// Where a webhook may be sent (against SSRF): only to globally routable unicast addresses, classified with
// ipaddr.js after the IANA special-purpose address registries (RFC 6890); an IPv6 address that embeds an IPv4
// address (RFC 4291 §2.5.5, RFC 6052, RFC 8215, RFC 3056, RFC 4380) is judged by that IPv4 address as well.
// Configuration may allow internal targets (development and tests); production takes https only.
import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as lookupAll } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';

export interface TargetPolicy {
  /** Loopback, private, link-local and other internal addresses may be targets (development and tests). */
  allowPrivateTargets: boolean;
  /** Only https targets: webhook bodies carry VINs (production). */
  requireHttps: boolean;
}

/** Every address a host name resolves to (the system resolver unless a caller brings its own). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: ResolveHost = (hostname) => lookupAll(hostname, { all: true, verbatim: true });

/** A target refused for where it points; the message says where, in words an operator can act on. */
export class TargetRefused extends Error {
  override readonly name = 'TargetRefused';
}

const ipv4Kinds: Record<string, string> = {
  unspecified: 'unspecified ("this network")',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'shared address space (carrier-grade NAT)',
  private: 'private',
  reserved: 'reserved (protocol assignments, documentation, benchmarking or future use)',
  as112: 'AS112 DNS sink',
  amt: 'AMT relay anycast',
};

const ipv6Kinds: Record<string, string> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  linkLocal: 'link-local',
  multicast: 'multicast',
  uniqueLocal: 'unique local',
  deprecatedSiteLocal: 'site-local (deprecated)',
  discard: 'discard-only',
  benchmarking: 'benchmarking',
  amt: 'AMT relay anycast',
  as112v6: 'AS112 DNS sink',
  deprecatedOrchid: 'ORCHID',
  orchid2: 'ORCHIDv2',
  droneRemoteIdProtocolEntityTags: 'drone remote ID tags',
  segmentRouting: 'segment routing',
  reserved: 'reserved (documentation or IETF special use)',
};

const ipv4Of = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
const lastBits = (address: ipaddr.IPv6) => [ipv4Of(address.parts[6] ?? 0, address.parts[7] ?? 0)];

interface Embedding {
  network: [ipaddr.IPv6, number];
  name: string;
  /** Whether the prefix itself leads anywhere global (when the embedded IPv4 addresses are public). */
  routable: boolean;
  ipv4(address: ipaddr.IPv6): ipaddr.IPv4[];
}

const embedding = (cidr: string, name: string, routable: boolean, ipv4 = lastBits): Embedding => ({
  network: ipaddr.IPv6.parseCIDR(cidr),
  name,
  routable,
  ipv4,
});

// Checked in this order, before the plain IPv6 ranges.
const embeddings = [
  // RFC 4291 §2.5.5.2: a dual-stack socket talks IPv4 to the embedded address.
  embedding('::ffff:0:0/96', 'IPv4-mapped', true),
  // RFC 4291 §2.5.5.1: deprecated.
  embedding('::/96', 'IPv4-compatible (deprecated)', false),
  // RFC 2765 §2.1: stateless translation inside a network.
  embedding('::ffff:0:0:0/96', 'IPv4-translated', false),
  // RFC 6052 §2.1: the well-known NAT64 prefix reaches the embedded IPv4 address.
  embedding('64:ff9b::/96', 'NAT64', true),
  // RFC 8215: a NAT64 prefix for use inside one network.
  embedding('64:ff9b:1::/48', 'local-use NAT64', false),
  // RFC 3056 §2: the IPv4 address follows the 2002 prefix.
  embedding('2002::/16', '6to4', true, (address) => [ipv4Of(address.parts[1] ?? 0, address.parts[2] ?? 0)]),
  // RFC 4380 §4: the Teredo server's address, then the client's, stored inverted.
  embedding('2001::/32', 'Teredo', true, (address) => [
    ipv4Of(address.parts[2] ?? 0, address.parts[3] ?? 0),
    ipv4Of(~(address.parts[6] ?? 0) & 0xffff, ~(address.parts[7] ?? 0) & 0xffff),
  ]),
];

// RFC 4291 §2.4 and the IANA IPv6 address space: global unicast is allocated from 2000::/3 only.
const globalUnicast = ipaddr.IPv6.parseCIDR('2000::/3');

function ipv4Kind(address: ipaddr.IPv4): string | undefined {
  const range = address.range();
  return range === 'unicast' ? undefined : (ipv4Kinds[range] ?? range);
}

function ipv6Kind(address: ipaddr.IPv6): string | undefined {
  const range: string = address.range();
  if (range === 'unspecified' || range === 'loopback') return ipv6Kinds[range];
  const embedded = embeddings.find((candidate) => address.match(candidate.network));
  if (embedded) {
    for (const ipv4 of embedded.ipv4(address)) {
      const kind = ipv4Kind(ipv4);
      if (kind) return `${embedded.name} form of ${ipv4}, ${kind}`;
    }
    return embedded.routable ? undefined : `${embedded.name}, not globally routable`;
  }
  if (range !== 'unicast') return ipv6Kinds[range] ?? range;
  if (!address.match(globalUnicast)) return 'outside global unicast (2000::/3)';
  return undefined;
}

/**
 * What kind of internal address `address` is (e.g. `link-local`), or undefined for a globally routable unicast
 * address. Anything that is not an IP address counts as internal.
 */
export function internalAddressKind(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return ipv4Kind(ipaddr.IPv4.parse(address));
  if (family !== 6) return 'not an IP address';
  // ipaddr.js reads `::a.b.c.d` as IPv4-mapped, where RFC 4291 §2.5.5.1 reads it as IPv4-compatible: the
  // dotted quad is written in hex first so the two stay apart.
  const hex = address.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_, a: string, b: string, c: string, d: string) =>
      `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  return ipv6Kind(ipaddr.IPv6.parse(hex));
}

const bare = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');
const refusal = (where: string) =>
  new TargetRefused(`${where}; webhooks may only go to public internet addresses`);

/**
 * Every address of `hostname` (an IP literal stands for itself); throws TargetRefused when any of them is
 * internal and the policy does not allow internal targets. A host with any internal address is refused
 * whole: which of its addresses a connection would use is not ours to choose.
 */
export async function resolveTarget(
  hostname: string,
  policy: TargetPolicy,
  resolve: ResolveHost = systemResolver,
): Promise<LookupAddress[]> {
  const host = bare(hostname);
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await resolve(host);
  if (addresses.length === 0)
    throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND', hostname: host });
  if (policy.allowPrivateTargets) return addresses;
  const internal = addresses.flatMap(({ address }) => {
    const kind = internalAddressKind(address);
    return kind ? [`${address} (${kind})`] : [];
  });
  if (internal.length === 0) return addresses;
  throw refusal(
    literal ? `${host} is ${internalAddressKind(host)}` : `${host} resolves to ${internal.join(', ')}`,
  );
}

/** Why `url` cannot be a webhook target whatever it resolves to (scheme, https), or undefined. */
export function webhookUrlShapeProblem(url: string, policy: TargetPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `webhook URL ${url} is not an absolute URL`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return `webhook URL ${url} must be an http(s) URL`;
  if (policy.requireHttps && parsed.protocol !== 'https:')
    return `webhook URL ${url} must use https (webhooks carry vehicle identification numbers)`;
  return undefined;
}

/**
 * Every problem with `url` as a webhook target under `policy`, in words an operator can act on; empty when
 * it is acceptable. Unless internal targets are allowed, a host name is resolved and refused if any of its
 * addresses is internal, or if it does not resolve at all.
 */
export async function webhookUrlProblems(
  url: string,
  policy: TargetPolicy,
  resolve: ResolveHost = systemResolver,
): Promise<string[]> {
  const shape = webhookUrlShapeProblem(url, policy);
  if (shape) return [shape];
  if (policy.allowPrivateTargets) return [];
  try {
    await resolveTarget(new URL(url).hostname, policy, resolve);
    return [];
  } catch (error) {
    if (error instanceof TargetRefused) return [`webhook URL ${url}: ${error.message}`];
    const code = (error as { code?: string }).code ?? (error as Error).message;
    return [
      `webhook URL ${url}: its host could not be resolved (${code}); register it once its DNS is in place`,
    ];
  }
}

const familyNumber = (family: LookupOptions['family']): number =>
  family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : Number(family ?? 0);

/**
 * A `lookup` for sockets (node:net) that resolves once, checks every answer, and hands the socket only the
 * addresses it checked, so no second DNS answer can slip past the check (DNS rebinding).
 */
function guardedLookup(policy: TargetPolicy, resolve: ResolveHost = systemResolver): LookupFunction {
  return function guardedLookup(hostname, options, callback) {
    resolveTarget(hostname, policy, resolve).then(
      (addresses) => {
        const family = familyNumber(options.family);
        const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        const [first] = usable;
        if (!first) {
          const error = Object.assign(new Error(`${hostname} has no IPv${family} address`), {
            code: 'ENOTFOUND',
          });
          callback(error, '', 0);
        } else if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/**
 * An undici dispatcher for webhook deliveries: every connection goes to an address checked by this guard
 * (an IP literal before connecting, a host name through `guardedLookup`). Use it with undici's own `fetch`.
 */
export function guardedDispatcher(policy: TargetPolicy, resolve: ResolveHost = systemResolver): Agent {
  const connect = buildConnector({ lookup: guardedLookup(policy, resolve) });
  return new Agent({
    connect(options, callback) {
      const host = bare(options.hostname);
      const kind = isIP(host) && !policy.allowPrivateTargets ? internalAddressKind(host) : undefined;
      if (kind) {
        callback(refusal(`${host} is ${kind}`), null);
        return;
      }
      connect(options, callback);
    },
  });
}
