/**
 * A shard of the sharded tensor trainer (als-tensor-sharded.ts): its own tfjs backend instance in a
 * worker thread. Per half-sweep it claims chunks of that side one at a time from a shared counter (largest
 * first, so the shards finish together), uploads the chunk's indices and confidences from the shared
 * packed plan, reads the other side's factors and the chunk's current rows from the shared factor buffers,
 * runs the same per-chunk solve as the single-device path (als-tensor.ts `solveChunk`) and writes the rows
 * back, with the chunk's Gram matrix and loss term into its slots. Rows belong to exactly one chunk, so
 * shards never write the same row, and every chunk's results are the same whichever shard solves it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError } from '../errors.js';
import { serveWorker } from '../util/worker-rpc.js';
import { fixedSide, gram, nextTurn, pcgSystem, solveChunk, systemTensors, uploadChunk, disposeChunk, type ChunkSolveOptions, type SharedSystem } from './als-tensor.js';
import { initBackend } from './backend.js';
import type { PackedSide, ShardSystem, TensorShardProtocol } from './tensor-shard-protocol.js';

interface State {
  k: number; solve: ChunkSolveOptions; rows: number; cols: number;
  X: Float32Array; Y: Float32Array; sides: [PackedSide, PackedSide];
  claim: Int32Array; work: Int32Array; grams: [Float32Array, Float32Array]; penalties: [Float64Array, Float64Array]; losses: Float64Array;
}
let st: State | undefined;

async function sweep(side: 0 | 1, system: ShardSystem, withLoss: boolean, signal: AbortSignal): Promise<null> {
  const s = st!;
  const { k } = s;
  const p = s.sides[side];
  const mine = side === 0 ? s.X : s.Y;
  const otherRows = side === 0 ? s.cols : s.rows;
  // Copies (not views): a tensor on the cpu backend may alias its array, and the shared buffers change.
  const other = tf.tensor2d((side === 0 ? s.Y : s.X).slice(0, otherRows * k), [otherRows, k]);
  const sys: SharedSystem = 'areg' in system ? { areg: tf.tensor2d(system.areg, [k, k]) } : pcgSystem(system, k);
  const fixed = fixedSide(other, sys); // solver pcg: Y' = Y L^-T, once per half-sweep
  const grams = s.grams[side];
  try {
    for (;;) {
      if (signal.aborted) throw new CancelledError('tensor shard: sweep cancelled');
      const at = Atomics.add(s.claim, side, 1);
      if (at >= p.order.length) return null;
      const ci = p.order[at]!;
      const B = p.batch[ci]!, L = p.length[ci]!, r0 = p.rowStart[ci]!, e0 = p.entryStart[ci]!;
      const rows = p.rows.subarray(r0, r0 + B);
      const c = uploadChunk(
        { batch: B, length: L, rows, cols: p.cols.subarray(e0, e0 + B * L), conf: p.conf.subarray(e0, e0 + B * L) },
        p.w.subarray(e0, e0 + B * L), p.extra?.subarray(r0, r0 + B),
      );
      try {
        const x0 = new Float32Array(B * k);
        for (let b = 0; b < B; b++) x0.set(mine.subarray(rows[b]! * k, (rows[b]! + 1) * k), b * k);
        const { xs, term, penalty, g } = tf.tidy(() => {
          const r = solveChunk(fixed, tf.tensor2d(x0, [B, k]), c, sys, s.solve, withLoss);
          return { ...r, g: gram(r.xs) };
        });
        const out = xs.dataSync() as Float32Array;
        for (let b = 0; b < B; b++) mine.set(out.subarray(b * k, (b + 1) * k), rows[b]! * k);
        grams.set(g.dataSync() as Float32Array, ci * k * k);
        if (term) s.losses[ci] = term.dataSync()[0]!;
        if (penalty) s.penalties[side][ci] = penalty.dataSync()[0]!;
        tf.dispose([xs, g, ...(term ? [term] : []), ...(penalty ? [penalty] : [])]);
      } finally {
        disposeChunk(c);
      }
      Atomics.add(s.work, 0, B * L);
      await nextTurn(); // lets an abort message in
    }
  } finally {
    tf.dispose([other, ...systemTensors(sys), ...(fixed === other ? [] : [fixed])]);
  }
}

serveWorker<TensorShardProtocol>({
  init: async (m) => {
    const { device } = await initBackend(m.backend, { settings: m.settings });
    st = {
      k: m.k, solve: m.solve, rows: m.rows, cols: m.cols,
      X: new Float32Array(m.X), Y: new Float32Array(m.Y), sides: m.sides,
      claim: new Int32Array(m.claim), work: new Int32Array(m.work),
      grams: [new Float32Array(m.grams[0]), new Float32Array(m.grams[1])],
      penalties: [new Float64Array(m.penalties[0]), new Float64Array(m.penalties[1])], losses: new Float64Array(m.losses),
    };
    return { device };
  },
  sweep: (m, ctx) => sweep(m.side, m.system, m.withLoss, ctx.signal),
});
