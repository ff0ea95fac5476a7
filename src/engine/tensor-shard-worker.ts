/**
 * A shard of the sharded tensor trainer (als-tensor-sharded.ts): its own tfjs backend instance in a
 * worker thread, holding its chunks of both sides; per half-sweep it reads the other side's factors and
 * its rows' current factors from the shared factor buffers, runs the same per-chunk solve as the
 * single-device path (als-tensor.ts `solveChunk`) and writes its rows back. Rows belong to exactly one
 * chunk, so shards never write the same row.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parentPort } from 'node:worker_threads';
import { nextTurn, solveChunk, uploadChunk, type DeviceChunk } from './als-tensor.js';
import { initBackend } from './backend.js';
import type { FromShard, ToShard } from './tensor-shard-protocol.js';

const port = parentPort!;
let st: { k: number; steps: number; rows: number; cols: number; X: Float32Array; Y: Float32Array; work: Int32Array; chunks: [DeviceChunk[], DeviceChunk[]] } | undefined;
let aborted = false;
const send = (m: FromShard) => port.postMessage(m);

async function sweep(side: 0 | 1, aregData: Float32Array, withLoss: boolean): Promise<number> {
  const s = st!;
  const { k } = s;
  const mine = side === 0 ? s.X : s.Y;
  const otherRows = side === 0 ? s.cols : s.rows;
  // Copies (not views): a tensor on the cpu backend may alias its array, and the shared buffers change.
  const other = tf.tensor2d((side === 0 ? s.Y : s.X).slice(0, otherRows * k), [otherRows, k]);
  const areg = tf.tensor2d(aregData, [k, k]);
  let loss = 0;
  try {
    for (const c of s.chunks[side]) {
      if (aborted) throw new Error('aborted');
      const rows = c.rows.dataSync() as Int32Array;
      const x0 = new Float32Array(c.batch * k);
      for (let b = 0; b < c.batch; b++) x0.set(mine.subarray(rows[b]! * k, (rows[b]! + 1) * k), b * k);
      const { xs, term } = tf.tidy(() => solveChunk(other, tf.tensor2d(x0, [c.batch, k]), c, areg, s.steps, withLoss));
      const out = xs.dataSync() as Float32Array;
      for (let b = 0; b < c.batch; b++) mine.set(out.subarray(b * k, (b + 1) * k), rows[b]! * k);
      if (term) loss += term.dataSync()[0]!;
      xs.dispose();
      term?.dispose();
      Atomics.add(s.work, 0, c.batch * c.length);
      await nextTurn(); // lets an abort message in
    }
    return loss;
  } finally {
    tf.dispose([other, areg]);
  }
}

port.on('message', (m: ToShard) => {
  if (m.t === 'abort') { aborted = true; return; }
  const run = async (): Promise<FromShard> => {
    if (m.t === 'init') {
      const { device } = await initBackend(m.backend);
      st = {
        k: m.k, steps: m.steps, rows: m.rows, cols: m.cols,
        X: new Float32Array(m.X), Y: new Float32Array(m.Y), work: new Int32Array(m.work),
        chunks: [m.chunks[0].map(uploadChunk), m.chunks[1].map(uploadChunk)],
      };
      return { t: 'ready', device };
    }
    return { t: 'swept', loss: await sweep(m.side, m.areg, m.withLoss) };
  };
  run().then(send, (err: Error) => send({ t: 'failed', message: err.message, name: err.name }));
});

