/**
 * Synthetic data (bench/datasets/synthetic-csr.ts) shared byte-for-byte with the Python peer
 * (bench/implicit_peer.py) through a tiny on-disk format:
 *
 *   <dir>/header.json  {"rows","cols","nnz","seed","format":"csr-v1"}
 *   <dir>/indptr.i32   rows+1 little-endian int32
 *   <dir>/indices.i32  nnz int32 (column of each entry, sorted within a row, no duplicates)
 *   <dir>/data.f32     nnz float32 (weight w; confidence is 1 + alpha w)
 *
 * CLI: npx tsx bench/synthetic.ts --users 50000 --items 20000 --nnz 1000000 --seed 1 --out /tmp/syn
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CsrMatrix } from '../src/engine/types.js';
import { generate } from './datasets/synthetic-csr.js';

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

/** The csr-v1 directory of `spec` under `root` (`<root>/<name>-seed<seed>`), generated the first time. */
export function syntheticDir(root: string, name: string, spec: { users: number; items: number; nnz: number }, seed: number): string {
  const dir = `${root}/${name}-seed${seed}`;
  if (!existsSync(join(dir, 'header.json'))) writeCsr(dir, generate({ ...spec, seed }), seed);
  return dir;
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
