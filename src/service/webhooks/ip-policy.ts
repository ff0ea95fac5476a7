/**
 * Which IP addresses a callback may reach. Refused unless allowlisted: every block of the IANA IPv4 and IPv6
 * Special-Purpose Address Registries (loopback, private-use, shared/CGNAT, link-local incl. the 169.254.169.254
 * cloud metadata service, "this network", IETF protocol assignments, documentation, benchmarking, AS112, AMT,
 * reserved, unique-local, discard-only, ORCHID, SRv6 SIDs, ...), multicast, and the deprecated IPv4-compatible
 * and site-local IPv6 forms. IPv6 forms that embed an IPv4 address are decoded and the IPv4 rules applied to
 * what they embed: IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16, and Teredo 2001::/32 (its server and its obfuscated client address); the rest of 2001::/23 is
 * refused. The local-use NAT64 block 64:ff9b:1::/48 is decoded (as a /96 prefix) to name what it embeds, and
 * refused whatever that is: where its IPv4 address sits depends on the operator's prefix length (RFC 6052
 * allows /48 to /96), so no one decoding is safe, and IANA lists it as not globally reachable. Globally reachable
 * special-purpose anycast blocks (PCP, TURN, AS112, AMT) are refused too: no webhook receiver lives there.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../errors.js';

export interface Ip {
  family: 4 | 6;
  bytes: Uint8Array; // 4 or 16 bytes, network order
}
export interface Cidr extends Ip {
  prefix: number;
}

export function parseIp(text: string): Ip | undefined {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const fam = isIP(s);
  if (fam === 4) return { family: 4, bytes: Uint8Array.from(s.split('.').map(Number)) };
  if (fam !== 6) return undefined;
  let head = s;
  let tail4: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail4 = s.slice(lastColon + 1).split('.').map(Number);
    head = s.slice(0, lastColon + 1) + '0:0'; // placeholder groups for the dotted quad
  }
  const [l, r] = head.includes('::') ? head.split('::') : [head, undefined];
  const left = l ? l.split(':') : [];
  const right = r === undefined ? [] : r ? r.split(':') : [];
  const fill = r === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right].map((g) => parseInt(g, 16));
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => { bytes[2 * i] = g >> 8; bytes[2 * i + 1] = g & 0xff; });
  if (tail4.length === 4) bytes.set(tail4, 12);
  return { family: 6, bytes };
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, ...rest] = text.trim().split('/');
  if (rest.length) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const prefix = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { ...ip, prefix };
}

export function inCidr(ip: Ip, c: Cidr): boolean {
  if (ip.family !== c.family) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip.bytes[i] & mask) !== (c.bytes[i] & mask)) return false;
  }
  return true;
}

function table(rows: [string, string][]): [Cidr, string][] {
  return rows.map(([c, why]) => [parseCidr(c)!, why]);
}

/** IANA IPv4 Special-Purpose Address Registry (every block), multicast, and the rest of 240/4. */
export const REFUSED_V4 = table([
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0/8', 'private (10.0.0.0/8)'],
  ['100.64.0.0/10', 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0/8', 'loopback (127.0.0.0/8)'],
  ['169.254.0.0/16', 'link-local / cloud metadata (169.254.0.0/16)'],
  ['172.16.0.0/12', 'private (172.16.0.0/12)'],
  ['192.0.0.0/24', 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.0.2.0/24', 'documentation (192.0.2.0/24)'],
  ['192.31.196.0/24', 'AS112 (192.31.196.0/24)'],
  ['192.52.193.0/24', 'AMT (192.52.193.0/24)'],
  ['192.88.99.0/24', '6to4 relay anycast (192.88.99.0/24)'],
  ['192.168.0.0/16', 'private (192.168.0.0/16)'],
  ['192.175.48.0/24', 'AS112 direct delegation (192.175.48.0/24)'],
  ['198.18.0.0/15', 'benchmarking (198.18.0.0/15)'],
  ['198.51.100.0/24', 'documentation (198.51.100.0/24)'],
  ['203.0.113.0/24', 'documentation (203.0.113.0/24)'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved / broadcast (240.0.0.0/4)'],
]);

/** IANA IPv6 Special-Purpose Address Registry blocks refused as such (the IPv4-embedding ones are decoded first), multicast, deprecated forms. */
export const REFUSED_V6 = table([
  ['::/128', 'unspecified (::)'],
  ['::1/128', 'loopback (::1)'],
  ['::/96', 'IPv4-compatible (deprecated, ::/96)'],
  ['100::/64', 'discard-only (100::/64)'],
  ['100:0:0:1::/64', 'dummy prefix (100:0:0:1::/64)'],
  ['2001::/23', 'IETF protocol assignments (2001::/23)'],
  ['2001:db8::/32', 'documentation (2001:db8::/32)'],
  ['2620:4f:8000::/48', 'AS112 direct delegation (2620:4f:8000::/48)'],
  ['3fff::/20', 'documentation (3fff::/20)'],
  ['5f00::/16', 'SRv6 SIDs (5f00::/16)'],
  ['fc00::/7', 'unique local (fc00::/7)'],
  ['fe80::/10', 'link-local (fe80::/10)'],
  ['fec0::/10', 'site-local (deprecated, fec0::/10)'],
  ['ff00::/8', 'multicast (ff00::/8)'],
]);

/**
 * Where IPv6 forms carry IPv4 addresses: prefix, kind, the byte positions of each embedded address (negative:
 * stored inverted), and, for a block refused whatever it embeds, why.
 */
const EMBEDDING_V6: [Cidr, string, number[][], string?][] = [
  [parseCidr('::ffff:0:0/96')!, 'IPv4-mapped', [[12, 13, 14, 15]]],
  [parseCidr('::ffff:0:0:0/96')!, 'IPv4-translated', [[12, 13, 14, 15]]],
  [parseCidr('64:ff9b::/96')!, 'NAT64', [[12, 13, 14, 15]]],
  [parseCidr('64:ff9b:1::/48')!, 'NAT64 (local use)', [[12, 13, 14, 15]], 'local-use NAT64 (64:ff9b:1::/48: not globally reachable, its IPv4 layout the operator\'s choice)'],
  [parseCidr('2002::/16')!, '6to4', [[2, 3, 4, 5]]],
  // Teredo: the server's address, and the client's (stored inverted).
  [parseCidr('2001::/32')!, 'Teredo', [[4, 5, 6, 7], [-12, -13, -14, -15]]],
];

/** The IPv4 addresses embedded in an IPv6 one, with the kind of embedding (and `refused` when its block is refused anyway). */
export function embeddedV4(ip: Ip): { v4: Ip[]; kind: string; refused?: string } | undefined {
  if (ip.family !== 6) return undefined;
  for (const [c, kind, decodings, refused] of EMBEDDING_V6) {
    if (!inCidr(ip, c)) continue;
    const v4 = decodings.map((at) => ({ family: 4 as const, bytes: Uint8Array.from(at, (i) => (i < 0 ? ~ip.bytes[-i]! & 0xff : ip.bytes[i]!)) }));
    return { v4, kind, refused };
  }
  return undefined;
}

/** Why an address is refused, or undefined when it is a public unicast address (or embeds only such). */
export function refusalReason(ip: Ip): string | undefined {
  const e = embeddedV4(ip);
  if (e) {
    for (const v4 of e.v4) {
      const inner = refusalReason(v4);
      if (inner) return `${e.kind} ${inner}`;
    }
    return e.refused;
  }
  const rows = ip.family === 4 ? REFUSED_V4 : REFUSED_V6;
  for (const [c, why] of rows) if (inCidr(ip, c)) return why;
  return undefined;
}

/** options.webhookAllowlist compiled: host names (exact, case-insensitive) and IPs/CIDRs. */
export interface Allowlist {
  hosts: Set<string>;
  cidrs: Cidr[];
}

export function normaliseHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

export function compileAllowlist(entries: readonly string[] | Allowlist): Allowlist {
  if (!Array.isArray(entries)) return entries as Allowlist;
  const out: Allowlist = { hosts: new Set(), cidrs: [] };
  for (const raw of entries as readonly string[]) {
    const e = raw.trim();
    if (!e) continue;
    const bare = normaliseHost(e);
    if (e.includes('/') || parseIp(bare)) {
      const c = parseCidr(bare);
      if (!c) throw new InvalidArgumentError(`webhookAllowlist: "${raw}" is not an IP address or CIDR`, { field: 'webhookAllowlist' });
      out.cidrs.push(c);
    } else if (/^[a-z0-9_.-]+$/.test(bare)) {
      out.hosts.add(bare);
    } else {
      throw new InvalidArgumentError(`webhookAllowlist: "${raw}" is not a host name, IP address or CIDR`, { field: 'webhookAllowlist' });
    }
  }
  return out;
}

/** Whether an address is allowlisted (an IPv4 entry also covers that address in IPv4-mapped form). */
export function addressAllowed(ip: Ip, allow: Allowlist): boolean {
  if (allow.cidrs.some((c) => inCidr(ip, c))) return true;
  const e = embeddedV4(ip);
  return e !== undefined && e.kind === 'IPv4-mapped' && allow.cidrs.some((c) => inCidr(e.v4[0]!, c));
}
