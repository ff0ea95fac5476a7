import { describe, expect, it } from 'vitest';
import { isIP } from 'node:net';
import { parseIp, refusalReason } from '../src/service/webhooks/ip-policy.js';
import { resolveAndCheck, CallbackTargetRefusedError } from '../src/service/webhooks/url-guard.js';

/**
 * The IANA special-purpose address registries, written out here from their content (iana-ipv4-special-registry,
 * updated 2024; iana-ipv6-special-registry, updated 2025), independent of the policy's own tables, with IPv4
 * multicast and the deprecated IPv6 forms the policy also refuses. Address math here is BigInt, not the
 * policy's code.
 */
const IPV4_REGISTRY: [string, string][] = [
  ['0.0.0.0/8', 'This network'],
  ['0.0.0.0/32', 'This host on this network'],
  ['10.0.0.0/8', 'Private-Use'],
  ['100.64.0.0/10', 'Shared Address Space'],
  ['127.0.0.0/8', 'Loopback'],
  ['169.254.0.0/16', 'Link Local'],
  ['172.16.0.0/12', 'Private-Use'],
  ['192.0.0.0/24', 'IETF Protocol Assignments'],
  ['192.0.0.0/29', 'IPv4 Service Continuity Prefix'],
  ['192.0.0.8/32', 'IPv4 dummy address'],
  ['192.0.0.9/32', 'Port Control Protocol Anycast'],
  ['192.0.0.10/32', 'Traversal Using Relays around NAT Anycast'],
  ['192.0.0.170/32', 'NAT64/DNS64 Discovery'],
  ['192.0.0.171/32', 'NAT64/DNS64 Discovery'],
  ['192.0.2.0/24', 'Documentation (TEST-NET-1)'],
  ['192.31.196.0/24', 'AS112-v4'],
  ['192.52.193.0/24', 'AMT'],
  ['192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)'],
  ['192.168.0.0/16', 'Private-Use'],
  ['192.175.48.0/24', 'Direct Delegation AS112 Service'],
  ['198.18.0.0/15', 'Benchmarking'],
  ['198.51.100.0/24', 'Documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'Documentation (TEST-NET-3)'],
  ['240.0.0.0/4', 'Reserved'],
  ['255.255.255.255/32', 'Limited Broadcast'],
  ['224.0.0.0/4', 'Multicast (IPv4 multicast address space registry)'],
];

const IPV6_REGISTRY: [string, string][] = [
  ['::1/128', 'Loopback Address'],
  ['::/128', 'Unspecified Address'],
  ['100::/64', 'Discard-Only Address Block'],
  ['100:0:0:1::/64', 'Dummy IPv6 Prefix'],
  ['2001::/23', 'IETF Protocol Assignments'],
  ['2001:1::1/128', 'Port Control Protocol Anycast'],
  ['2001:1::2/128', 'Traversal Using Relays around NAT Anycast'],
  ['2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast'],
  ['2001:2::/48', 'Benchmarking'],
  ['2001:3::/32', 'AMT'],
  ['2001:4:112::/48', 'AS112-v6'],
  ['2001:10::/28', 'Deprecated (previously ORCHID)'],
  ['2001:20::/28', 'ORCHIDv2'],
  ['2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix'],
  ['2001:db8::/32', 'Documentation'],
  ['2620:4f:8000::/48', 'Direct Delegation AS112 Service'],
  ['3fff::/20', 'Documentation'],
  ['5f00::/16', 'Segment Routing (SRv6) SIDs'],
  ['fc00::/7', 'Unique-Local'],
  ['fe80::/10', 'Link-Local Unicast'],
  ['::/96', 'IPv4-compatible (deprecated, RFC 4291)'],
  ['fec0::/10', 'Site-local (deprecated, RFC 3879)'],
  ['ff00::/8', 'Multicast'],
];

/** The registry's IPv4-embedding blocks: refused exactly when what they embed is. */
const EMBEDDING_BLOCKS = ['::ffff:0:0/96', '::ffff:0:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48', '2002::/16', '2001::/32'];

// ---- independent address math

function toBig(ip: string): { v: bigint; bits: 32 | 128 } {
  if (isIP(ip) === 4) return { v: ip.split('.').reduce((a, o) => (a << 8n) | BigInt(o), 0n), bits: 32 };
  let s = ip;
  let tail: bigint | undefined;
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) { tail = toBig(m[2]!).v; s = `${m[1]}0:0`; }
  const [l, r] = s.split('::') as [string, string | undefined];
  const left = l ? l.split(':') : [];
  const right = r ? r.split(':') : [];
  const groups = r === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  let v = groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tail !== undefined) v = (v & ~0xffffffffn) | tail;
  return { v, bits: 128 };
}
function fromBig(v: bigint, bits: 32 | 128): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  return Array.from({ length: 8 }, (_, i) => ((v >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}
function range(cidr: string): { first: bigint; last: bigint; bits: 32 | 128 } {
  const [a, p] = cidr.split('/') as [string, string];
  const { v, bits } = toBig(a);
  const host = BigInt(bits - Number(p));
  const first = (v >> host) << host;
  return { first, last: first + (1n << host) - 1n, bits };
}
const inRange = (v: bigint, bits: number, c: string) => { const r = range(c); return r.bits === bits && v >= r.first && v <= r.last; };
const registry = (bits: 32 | 128) => (bits === 32 ? IPV4_REGISTRY : IPV6_REGISTRY).map(([c]) => c);
/** The expectation from the registries alone: refused iff some block holds it (embedding forms aside). */
const expectedRefused = (v: bigint, bits: 32 | 128) => registry(bits).some((c) => inRange(v, bits, c));

const v4Of = (s: string) => toBig(s).v;
/** IPv6 text of a 128-bit value. */
const six = (v: bigint) => fromBig(v, 128);

describe('IP policy over the IANA special-purpose registries', () => {
  const rows = [...IPV4_REGISTRY, ...IPV6_REGISTRY];
  it.each(rows)('refuses every address of %s (%s): first, middle and last', (cidr) => {
    const r = range(cidr);
    for (const v of [r.first, r.first + (r.last - r.first) / 2n, r.last]) {
      const ip = fromBig(v, r.bits);
      expect(refusalReason(parseIp(ip)!), `${ip} in ${cidr}`).toBeDefined();
    }
  });

  it.each(rows)('just outside %s the registries decide (%s)', (cidr) => {
    const r = range(cidr);
    const max = (1n << BigInt(r.bits)) - 1n;
    for (const v of [r.first - 1n, r.last + 1n]) {
      if (v < 0n || v > max) continue;
      const outsideEmbedding = r.bits === 32 || !EMBEDDING_BLOCKS.some((c) => inRange(v, 128, c));
      if (!outsideEmbedding) continue; // decided by what it embeds (below)
      const ip = fromBig(v, r.bits);
      expect(refusalReason(parseIp(ip)!) !== undefined, ip).toBe(expectedRefused(v, r.bits));
    }
  });

  it('allows public unicast addresses', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '192.0.1.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450::1', '2001:200::1', '2c0f:fb50::1']) {
      expect(refusalReason(parseIp(ip)!), ip).toBeUndefined();
    }
  });

  // Each IPv4-embedding form, around every IPv4 block: refused when the embedded address is, allowed for a public one.
  const embeddings: [string, (v4: bigint) => string[]][] = [
    ['IPv4-mapped ::ffff:a.b.c.d', (a) => [six((0xffffn << 32n) | a)]],
    ['IPv4-translated ::ffff:0:a.b.c.d', (a) => [six((0xffffn << 48n) | a)]],
    ['NAT64 64:ff9b::/96', (a) => [six((0x64ff9bn << 96n) | a)]],
    ['6to4 2002:aabb:ccdd::/48', (a) => [six((0x2002n << 112n) | (a << 80n) | 1n)]],
    ['Teredo server', (a) => [six((0x20010000n << 96n) | (a << 64n) | (0x8000n << 48n) | (0xffffn << 32n) | (~v4Of('8.8.4.4') & 0xffffffffn))]],
    ['Teredo client (inverted)', (a) => [six((0x20010000n << 96n) | (v4Of('8.8.8.8') << 64n) | (~a & 0xffffffffn))]],
  ];
  it.each(embeddings)('%s: refused around every refused IPv4 block, allowed for public IPv4', (_name, embed) => {
    for (const [cidr] of IPV4_REGISTRY) {
      const r = range(cidr);
      for (const v of [r.first, r.last]) {
        for (const ip of embed(v)) expect(refusalReason(parseIp(ip)!), `${ip} (${fromBig(v, 32)})`).toMatch(/./);
      }
    }
    for (const pub of ['8.8.8.8', '1.1.1.1', '9.9.9.9']) {
      for (const ip of embed(v4Of(pub))) expect(refusalReason(parseIp(ip)!), `${ip} (${pub})`).toBeUndefined();
    }
  });

  it('refuses the local-use NAT64 block 64:ff9b:1::/48 whatever it embeds (every RFC 6052 layout), naming a refused embedded address', () => {
    const p = 0x0064ff9b0001n << 80n;
    for (const a of ['8.8.8.8', '10.0.0.1', '127.0.0.1', '169.254.169.254'].map(v4Of)) {
      const layouts = [
        p | ((a >> 16n) << 64n) | ((a & 0xffffn) << 40n), // /48: 16 bits, u octet, 16 bits
        p | (0x77n << 72n) | ((a >> 24n) << 64n) | ((a & 0xffffffn) << 32n), // /56: 8 bits, u, 24 bits
        p | (0x7777n << 64n) | (a << 24n), // /64: u, 32 bits
        p | (0x1234n << 64n) | a, // /96
      ];
      for (const v of layouts) expect(refusalReason(parseIp(six(v))!), six(v)).toMatch(/local|NAT64/);
    }
    expect(refusalReason(parseIp('64:ff9b:1::8.8.8.8')!)).toMatch(/local-use NAT64 \(64:ff9b:1::\/48/);
    expect(refusalReason(parseIp('64:ff9b:1::a9fe:a9fe')!)).toMatch(/NAT64 \(local use\) link-local/);
  });

  it('names the embedding and the IPv4 block in the refusal, and the delivery check refuses such a literal host', async () => {
    expect(refusalReason(parseIp('::ffff:0:127.0.0.1')!)).toMatch(/IPv4-translated loopback/);
    expect(refusalReason(parseIp('2001:0:4136:e378:8000:63bf:3fff:fdd2')!)).toMatch(/Teredo documentation \(192\.0\.2\.0\/24\)/); // RFC 4380's example: client 192.0.2.45
    const err = await resolveAndCheck('http://[64:ff9b::10.0.0.1]/hook', []).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CallbackTargetRefusedError);
    expect((err as Error).message).toMatch(/NAT64 private \(10\.0\.0\.0\/8\)/);
  });
});
