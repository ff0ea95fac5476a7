/**
 * Exact top-k selection over a dense score vector with a bounded min-heap: O(n log k), no full sort.
 * Order: higher score first; equal scores -> lower index first. Entries whose score is NaN are
 * excluded (callers mark filtered-out candidates with NaN). `topKOfScores` scans a whole vector,
 * skipping blocks of SCORE_BLOCK targets whose upper bound cannot enter.
 */

/** Targets per block of the block maxima (the scoring kernels compute them: wasm-scorer.ts). */
export const SCORE_BLOCK = 64;

export interface TopK {
  indices: Int32Array;
  scores: Float64Array;
  /** Set when the ranking came through an ANN index (re-ranked exactly) rather than an exact pass. */
  approximate?: boolean;
}

/** a is worse than b (belongs nearer the heap's root). */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

export class TopKHeap {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  size = 0;
  constructor(readonly k: number) {
    this.idx = new Int32Array(Math.max(k, 1));
    this.val = new Float64Array(Math.max(k, 1));
  }

  reset(): void { this.size = 0; }

  /** The score a candidate must beat to enter (when full), else -Infinity. */
  get threshold(): number { return this.size < this.k ? -Infinity : this.val[0]!; }

  push(i: number, s: number): void {
    const { idx, val, k } = this;
    if (k === 0 || s !== s) return;
    if (this.size < k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!worse(s, i, val[p]!, idx[p]!)) break;
        idx[c] = idx[p]!; val[c] = val[p]!; c = p;
      }
      idx[c] = i; val[c] = s;
      return;
    }
    if (!worse(val[0]!, idx[0]!, s, i)) return;
    let c = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= n) break;
      const r = l + 1;
      const w = r < n && worse(val[r]!, idx[r]!, val[l]!, idx[l]!) ? r : l;
      if (!worse(val[w]!, idx[w]!, s, i)) break;
      idx[c] = idx[w]!; val[c] = val[w]!; c = w;
    }
    idx[c] = i; val[c] = s;
  }

  /** The selected entries, best first. Leaves the heap empty. */
  drain(): TopK {
    const n = this.size;
    const indices = new Int32Array(n);
    const scores = new Float64Array(n);
    const order = Array.from({ length: n }, (_, j) => j);
    order.sort((a, b) => (worse(this.val[a]!, this.idx[a]!, this.val[b]!, this.idx[b]!) ? 1 : -1));
    for (let j = 0; j < n; j++) { indices[j] = this.idx[order[j]!]!; scores[j] = this.val[order[j]!]!; }
    this.size = 0;
    return { indices, scores };
  }
}

/**
 * The `count` best of `scores` (one per target; ties -> lower index), leaving out targets in `seen`
 * (marked NaN in `scores`, which is scratch) and where `mask` is 0. `maxima` (optional): an upper bound
 * of the scores per block of SCORE_BLOCK targets, taken before the seen targets were marked.
 */
export function topKOfScores(scores: Float64Array | Float32Array, maxima: Float32Array | undefined, count: number, mask: Uint8Array | null | undefined, seen?: ArrayLike<number>): TopK {
  const n = scores.length;
  const heap = new TopKHeap(count);
  if (seen) for (let j = 0; j < seen.length; j++) scores[seen[j]!] = NaN;
  if (count <= 0) return heap.drain();
  // Fill the heap with the first `count` candidates, then scan against a local threshold: targets come in
  // ascending index, so a score equal to the threshold loses its tie and `s > thr` is the whole test (NaN
  // marks seen targets and never passes it). With the block maxima (an upper bound per SCORE_BLOCK targets,
  // taken before the seen targets were marked), a block whose maximum does not beat the threshold is skipped.
  let i = 0;
  for (; i < n && heap.size < count; i++) {
    const s = scores[i]!;
    if (s !== s || (mask && !mask[i])) continue;
    heap.push(i, s);
  }
  let thr = heap.threshold;
  let b = maxima ? Math.ceil(i / SCORE_BLOCK) : 0;
  for (;;) {
    const end = maxima ? Math.min(n, b * SCORE_BLOCK) : n;
    if (mask) {
      for (; i < end; i++) {
        const s = scores[i]!;
        if (s > thr && mask[i]) { heap.push(i, s); thr = heap.threshold; }
      }
    } else {
      for (; i < end; i++) {
        const s = scores[i]!;
        if (s > thr) { heap.push(i, s); thr = heap.threshold; }
      }
    }
    if (!maxima || i >= n) break;
    while (b < maxima.length && !(maxima[b]! > thr)) b++;
    if (b >= maxima.length) break;
    i = b * SCORE_BLOCK;
    b++;
  }
  return heap.drain();
}
