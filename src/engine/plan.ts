/**
 * Host-side plan of one half-sweep: the non-empty rows of a side, bucketed by their number of nonzeros
 * into padded lengths L from the grid 1, 2, 3, 4, 6, 8, 12, 16, 24, ... (at most 1/3 padding), and cut
 * into chunks of B rows with B * L <= chunkNonzeros (a row longer than that is a chunk of its own; its
 * length is bounded by the other side's row count, so memory stays O(factors + chunk)).
 * Within a chunk the other side's factor rows are gathered ONCE into a [B, L, k] block, and every CG
 * step works on that block with batched mat-vecs, without any further gather.
 * Padding entries point at row 0 with confidence 0, so they contribute nothing.
 */
import { SIDES, type AlsProblem, type Side } from './als-driver.js';
import type { CsrMatrix } from './types.js';

/** One chunk of B rows padded to length L. */
export interface Chunk {
  batch: number;
  length: number;
  /** The B rows solved (row ids of this side). */
  rows: Int32Array;
  /** B * L column ids (the other side's rows), padded with 0. */
  cols: Int32Array;
  /** B * L confidences c_ui, 0 on padding. */
  conf: Float32Array;
}

export interface SidePlan {
  rows: number;
  chunks: Chunk[];
  /** For each row, its position in the concatenation of chunk results; empty rows point one past the end (a zero row). */
  position: Int32Array;
  nonEmpty: number;
  /** Sum of B * L over chunks (work units for progress). */
  paddedNonzeros: number;
  nonzeros: number;
}

export function bucketLength(n: number): number {
  if (n <= 4) return n;
  let p = 4;
  for (;;) {
    if (n <= p * 1.5) return p * 1.5;
    if (n <= p * 2) return p * 2;
    p *= 2;
  }
}

export function planSide(m: CsrMatrix, conf: Float32Array, chunkNonzeros: number): SidePlan {
  const order: number[] = [];
  for (let r = 0; r < m.rows; r++) if (m.indptr[r + 1] > m.indptr[r]) order.push(r);
  const len = (r: number) => m.indptr[r + 1] - m.indptr[r];
  order.sort((a, b) => len(a) - len(b) || a - b);
  const position = new Int32Array(m.rows).fill(order.length);
  const chunks: Chunk[] = [];
  let padded = 0;
  let i = 0;
  while (i < order.length) {
    const L = bucketLength(len(order[i]));
    let end = i;
    while (end < order.length && len(order[end]) <= L) end++;
    const per = Math.max(1, Math.floor(chunkNonzeros / L));
    for (let s = i; s < end; s += per) {
      const B = Math.min(per, end - s);
      const rows = new Int32Array(B);
      const cols = new Int32Array(B * L);
      const cf = new Float32Array(B * L);
      for (let b = 0; b < B; b++) {
        const r = order[s + b];
        rows[b] = r;
        position[r] = s + b;
        const a = m.indptr[r], n = m.indptr[r + 1] - a;
        cols.set(m.indices.subarray(a, a + n), b * L);
        cf.set(conf.subarray(a, a + n), b * L);
      }
      chunks.push({ batch: B, length: L, rows, cols, conf: cf });
      padded += B * L;
    }
    i = end;
  }
  return { rows: m.rows, chunks, position, nonEmpty: order.length, paddedNonzeros: padded, nonzeros: m.indices.length };
}

/** Both sides' plans of a training run (the tensor path's, single-device or sharded). */
export function planProblem(p: AlsProblem): Record<Side, SidePlan> {
  const out = {} as Record<Side, SidePlan>;
  for (const side of SIDES) out[side] = planSide(p.csr[side], p.conf[side], p.options.chunkNonzeros);
  return out;
}
