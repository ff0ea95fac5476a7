import { describe, expect, it } from 'vitest';
import { quantizeRows } from '../src/service/serving/quantized.js';
import { topKOfScores } from '../src/service/serving/top-k.js';
import { BatchScorer, WasmScorer } from '../src/service/serving/wasm-scorer.js';
import { compileWasm, createSharedMemory, WA } from '../src/util/wasm.js';
import { rng } from './helpers/serving.js';

/** The reference: the full float32 pass of the same kernel, ranked by topKOfScores. */
function fullPass(s: WasmScorer, x: Float32Array, count: number, mask: Uint8Array | null, seen?: Int32Array) {
  const t = topKOfScores(Float32Array.from(s.scores(x)), undefined, count, mask, seen);
  return { indices: Array.from(t.indices), scores: Array.from(t.scores) };
}
const plain = (t: { indices: Int32Array; scores: Float64Array }) => ({ indices: Array.from(t.indices), scores: Array.from(t.scores) });

interface Case { name: string; n: number; k: number; y: (r: () => number, i: number, f: number) => number; x: (r: () => number, f: number) => number }
const cases: Case[] = [
  { name: 'uniform', n: 3000, k: 64, y: (r) => r() * 2 - 1, x: (r) => r() * 2 - 1 },
  { name: 'k = 8, small catalog', n: 40, k: 8, y: (r) => r() - 0.5, x: (r) => r() - 0.5 },
  { name: 'k = 128, popular rows with 30x norms', n: 2000, k: 128, y: (r, i) => (r() - 0.5) * (i % 97 === 0 ? 30 : 1), x: (r) => r() - 0.5 },
  { name: 'coarse values: many exact ties', n: 1500, k: 16, y: (r) => Math.round(r() * 4) / 4, x: (r) => Math.round(r() * 2) },
  { name: 'zero rows and tiny scales', n: 700, k: 24, y: (r, i) => (i % 5 === 0 ? 0 : (r() - 0.5) * 1e-6), x: (r) => r() - 0.5 },
];

describe('int8 prefilter (quantized.ts)', () => {
  it('gives exactly the full float32 pass results: ids, scores and tie order, with masks and seen targets', () => {
    let prefiltered = 0, full = 0;
    for (const c of cases) {
      const r = rng(c.n + c.k);
      const Y = Float32Array.from({ length: c.n * c.k }, (_, j) => c.y(r, Math.floor(j / c.k), j % c.k));
      const s = WasmScorer.create(Y, c.n, c.k, { slots: 1 })!;
      expect(s.quantized, c.name).toBe(true);
      for (let t = 0; t < 40; t++) {
        const x = t === 0 ? new Float32Array(c.k) : Float32Array.from({ length: c.k }, (_, f) => c.x(r, f));
        const count = [1, 3, 10, 50][t % 4]!;
        const mask = t % 3 === 1 ? Uint8Array.from({ length: c.n }, () => (r() < 0.4 ? 1 : 0)) : null;
        const seen = t % 2 === 0 ? Int32Array.from({ length: Math.min(20, c.n >> 1) }, () => Math.floor(r() * c.n)) : undefined;
        const want = fullPass(s, x, count, mask, seen);
        expect(plain(s.top(x, count, mask, seen)), `${c.name}, source ${t}`).toEqual(want);
      }
      prefiltered += s.counts.prefiltered;
      full += s.counts.full;
    }
    // Both routes ran: the prefilter on most sources, the fallback where scores tie too tightly (x = 0, coarse values).
    expect(prefiltered).toBeGreaterThan(100);
    expect(full).toBeGreaterThan(0);
  });

  it('a worker slot ranks 1-4 sources per pass exactly like WasmScorer.top', () => {
    const n = 2500, k = 32;
    const r = rng(77);
    const Y = Float32Array.from({ length: n * k }, () => r() * 2 - 1);
    const s = WasmScorer.create(Y, n, k, { slots: 1 })!;
    const slot = new BatchScorer(s.share(), 0);
    for (let g = 1; g <= 4; g++) {
      const reqs = Array.from({ length: g }, (_, j) => ({
        x: Float32Array.from({ length: k }, () => r() * 2 - 1), count: [5, 10, 1, 100][j]!,
        mask: j === 1 ? Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0)) : null,
        seen: j === 2 ? Int32Array.from([3, 9, 27, 81]) : undefined,
      }));
      const got = slot.topBatch(reqs).map(plain);
      reqs.forEach((q, j) => expect(got[j], `group ${g}, source ${j}`).toEqual(fullPass(s, q.x, q.count, q.mask, q.seen)));
    }
    expect(slot.counts.prefiltered).toBeGreaterThan(0);
  });

  it('the wasm quantization agrees with the TypeScript reference (scales exactly, int8 values within a rounding tie)', () => {
    const n = 500, k = 48;
    const r = rng(5);
    const Y = Float32Array.from({ length: n * k }, (_, j) => (Math.floor(j / k) % 50 === 0 ? 0 : (r() - 0.5) * (1 + (j % 7))));
    const s = WasmScorer.create(Y, n, k)!;
    const sh = s.share();
    const Q = new Int8Array(n * k), scales = new Float32Array(n);
    const ref = quantizeRows(Y, n, k, Q, scales);
    const buf = sh.memory.buffer;
    expect(Array.from(new Float32Array(buf, sh.q!.scalesPtr, n))).toEqual(Array.from(scales));
    const got = new Int8Array(buf, sh.q!.qPtr, n * k);
    let off = 0;
    for (let j = 0; j < n * k; j++) { expect(Math.abs(got[j]! - Q[j]!)).toBeLessThanOrEqual(1); if (got[j] !== Q[j]) off++; }
    expect(off).toBeLessThan(n * k * 0.001);
    expect(sh.q!.stats.sMax).toBe(ref.sMax);
    expect(Math.abs(sh.q!.stats.l1Max - ref.l1Max)).toBeLessThanOrEqual(1e-5 * ref.l1Max);
  });

  it('the int8 kernels give scale_i * sx * (exact integer dot product) per row, bit for bit, for every catalog size mod 4', () => {
    // scores_q8 takes rows four at a time (one reduction for the four), scores4_q8 four sources per row: both
    // must equal the row-at-a-time formula, the float32 operations in its order (the prefilter's bounds assume it).
    const memory = createSharedMemory(1 << 22);
    const e = new WA.Instance(compileWasm(new URL('../src/service/serving/wasm/scores.wasm', import.meta.url)), { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
    const buf = memory.buffer;
    const r = rng(91);
    for (const k of [8, 64]) {
      for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 1001, 1002, 1003, 1004]) {
        let at = 16;
        const take = (bytes: number) => { const p = at; at += Math.ceil(bytes / 16) * 16; return p; };
        const qPtr = take(n * k), scalesPtr = take(4 * n), xqPtr = take(2 * 4 * k), sxPtr = take(16), outPtr = take(4 * 4 * n);
        const fill = <T extends Int8Array | Int16Array | Float32Array>(a: T, v: () => number): T => { for (let j = 0; j < a.length; j++) a[j] = v(); return a; };
        const Q = fill(new Int8Array(buf, qPtr, n * k), () => Math.floor(r() * 255) - 127);
        const scales = fill(new Float32Array(buf, scalesPtr, n), () => r() * 1e-2);
        const XQ = fill(new Int16Array(buf, xqPtr, 4 * k), () => Math.floor(r() * 65535) - 32767);
        const sx = fill(new Float32Array(buf, sxPtr, 4), () => r() * 1e-4);
        const out = new Float32Array(buf, outPtr, 4 * n);
        const want = (q: number, i: number) => {
          let dot = 0;
          for (let f = 0; f < k; f++) dot += Q[i * k + f]! * XQ[q * k + f]!;
          return Math.fround(Math.fround(scales[i]! * sx[q]!) * Math.fround(dot));
        };
        out.fill(NaN);
        e.scores_q8!(qPtr, scalesPtr, n, k, xqPtr, sx[0]!, outPtr);
        for (let i = 0; i < n; i++) expect(out[i], `scores_q8 k ${k} n ${n} row ${i}`).toBe(want(0, i));
        out.fill(NaN);
        e.scores4_q8!(qPtr, scalesPtr, n, k, xqPtr, sxPtr, outPtr);
        for (let q = 0; q < 4; q++) for (let i = 0; i < n; i++) expect(out[q * n + i], `scores4_q8 k ${k} n ${n} source ${q} row ${i}`).toBe(want(q, i));
      }
    }
  });

  it('is off where k % 8 != 0 (the full pass ranks)', () => {
    const s = WasmScorer.create(new Float32Array(10 * 12).fill(0.5), 10, 12)!;
    expect(s.quantized).toBe(false);
    expect(Array.from(s.top(new Float32Array(12).fill(1), 3, null).indices)).toEqual([0, 1, 2]);
  });
});
