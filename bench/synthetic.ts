/**
 * Deterministic power-law synthetic implicit-feedback data for benchmarks, shared byte-for-byte with the
 * Python peer (bench/implicit_peer.py) through a tiny on-disk format:
 *
 *   <dir>/header.json  {"rows","cols","nnz","seed","format":"csr-v1"}
 *   <dir>/indptr.i32   rows+1 little-endian int32
 *   <dir>/indices.i32  nnz int32 (column of each entry, sorted within a row, no duplicates)
 *   <dir>/data.f32     nnz float32 (weight w; confidence is 1 + alpha w)
 *
 * Generator: user u's activity ~ (u+1)^-a and item i's popularity ~ (i+1)^-b (Zipf-like, a = 0.8,
 * b = 1.0 by default), applied through a fixed random permutation of ids; pairs are drawn from the product
 * distribution by inverse-CDF sampling with a seeded xorshift128+ PRNG, duplicates aggregated (weights
 * summed), until `nnz` distinct pairs exist. Weights: 1 + floor(3 * U^2) per draw (so 1..3, mostly 1).
 *
 * CLI: npx tsx bench/synthetic.ts --users 50000 --items 20000 --nnz 1000000 --seed 1 --out /tmp/syn
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CsrMatrix } from '../src/engine/types.js';

export interface SyntheticSpec {
  users: number;
  items: number;
  nnz: number;
  seed?: number;
  userExponent?: number;
  itemExponent?: number;
}

class Rng {
  private s0: bigint;
  private s1: bigint;
  constructor(seed: number) {
    // splitmix64 seeding
    let z = BigInt(seed >>> 0) + 0x9e3779b97f4a7c15n;
    const mix = () => {
      z = (z + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
      let x = z;
      x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
      x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
      return x ^ (x >> 31n);
    };
    this.s0 = mix();
    this.s1 = mix();
    // Float path: derive 4 uint32 lanes for a fast xorshift128 in Numbers.
    this.a = Number(this.s0 & 0xffffffffn) | 1;
    this.b = Number(this.s0 >> 32n);
    this.c = Number(this.s1 & 0xffffffffn);
    this.d = Number(this.s1 >> 32n);
  }
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** uniform [0, 1) (xorshift128) */
  next(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a / 4294967296;
  }
}

function cdf(count: number, exponent: number): Float64Array {
  const c = new Float64Array(count);
  let acc = 0;
  for (let i = 0; i < count; i++) {
    acc += Math.pow(i + 1, -exponent);
    c[i] = acc;
  }
  for (let i = 0; i < count; i++) c[i] /= acc;
  return c;
}

function pick(c: Float64Array, u: number): number {
  let lo = 0, hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

export function generate(spec: SyntheticSpec): CsrMatrix {
  const { users, items, nnz } = spec;
  if (nnz > users * items * 0.5) throw new Error('nnz too large for users x items (keep density <= 50%)');
  const rng = new Rng(spec.seed ?? 1);
  const uc = cdf(users, spec.userExponent ?? 0.8);
  const ic = cdf(items, spec.itemExponent ?? 1.0);
  const up = permutation(users, rng);
  const ip = permutation(items, rng);
  const weights = new Map<number, number>();
  // Heavy-tailed item draws hit the head repeatedly; stop once we have nnz distinct pairs.
  let guard = 0;
  while (weights.size < nnz) {
    if (++guard > nnz * 50) throw new Error('synthetic: too many duplicate draws; lower the item exponent');
    const u = up[pick(uc, rng.next())];
    const i = ip[pick(ic, rng.next())];
    const key = u * items + i;
    const r = rng.next();
    const w = 1 + Math.floor(3 * r * r);
    weights.set(key, (weights.get(key) ?? 0) + w);
  }
  const keys = Float64Array.from(weights.keys()).sort();
  const indptr = new Int32Array(users + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  for (let j = 0; j < nnz; j++) {
    const key = keys[j];
    const u = Math.floor(key / items);
    indptr[u + 1]++;
    indices[j] = key - u * items;
    data[j] = weights.get(key)!;
  }
  for (let u = 0; u < users; u++) indptr[u + 1] += indptr[u];
  return { rows: users, cols: items, indptr, indices, data };
}

export function writeCsr(dir: string, m: CsrMatrix, seed: number): void {
  mkdirSync(dir, { recursive: true });
  const nnz = m.indptr[m.rows];
  const buf = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'indptr.i32'), buf(m.indptr));
  writeFileSync(join(dir, 'indices.i32'), buf(m.indices.subarray(0, nnz)));
  writeFileSync(join(dir, 'data.f32'), buf(m.data.subarray(0, nnz)));
  writeFileSync(join(dir, 'header.json'), JSON.stringify({ format: 'csr-v1', rows: m.rows, cols: m.cols, nnz, seed }) + '\n');
}

export function readCsr(dir: string): CsrMatrix {
  const h = JSON.parse(readFileSync(join(dir, 'header.json'), 'utf8')) as { rows: number; cols: number; nnz: number };
  const rd = (f: string) => {
    const b = readFileSync(join(dir, f));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  return { rows: h.rows, cols: h.cols, indptr: new Int32Array(rd('indptr.i32')), indices: new Int32Array(rd('indices.i32')), data: new Float32Array(rd('data.f32')) };
}

export function flag(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = process.argv.slice(2);
  const seed = Number(flag(a, 'seed', '1'));
  const t = performance.now();
  const m = generate({ users: Number(flag(a, 'users', '50000')), items: Number(flag(a, 'items', '20000')), nnz: Number(flag(a, 'nnz', '1000000')), seed });
  const out = flag(a, 'out', '/tmp/synthetic');
  writeCsr(out, m, seed);
  console.log(`wrote ${out}: ${m.rows} x ${m.cols}, nnz ${m.indptr[m.rows]} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
