/**
 * A scoring worker thread (started by ScoringPool, told its slot by `attach`): ranks targets for source
 * vectors against models in shared memory, off the gRPC event loop. The `rank` requests already queued
 * when it wakes come in one batch (util/worker-rpc.ts); requests for the same model are scored BATCH at a
 * time in one pass over its target factors, and each reply goes out as soon as its group is done.
 */
import { type BatchedCall, serveWorker, transfer } from '../../util/worker-rpc.js';
import type { Ranked, RankRequest, ScoringProtocol } from './scoring-protocol.js';
import { BATCH, BatchScorer } from './wasm-scorer.js';

const models = new Map<number, BatchScorer>();
let slot = -1;

type Call = BatchedCall<RankRequest, Ranked>;

function rankAll(calls: Call[]): void {
  const byModel = new Map<number, Call[]>();
  for (const c of calls) {
    const { model, share } = c.payload;
    if (share && !models.has(model)) {
      try {
        models.set(model, new BatchScorer(share, slot));
      } catch (err) {
        c.reject(err);
        continue;
      }
    }
    const list = byModel.get(model);
    if (list) list.push(c); else byModel.set(model, [c]);
  }
  for (const [model, list] of byModel) {
    const scorer = models.get(model);
    for (let a = 0; a < list.length; a += BATCH) {
      const group = list.slice(a, a + BATCH);
      if (!scorer) {
        for (const c of group) c.reject(new Error(`scoring worker ${slot} does not hold model ${model}`));
        continue;
      }
      try {
        const tops = scorer.topBatch(group.map((c) => c.payload));
        group.forEach((c, q) => {
          const { indices, scores } = tops[q]!;
          c.resolve(transfer({ indices, scores, group: group.length }, [indices.buffer, scores.buffer]));
        });
      } catch (err) {
        for (const c of group) c.reject(err);
      }
    }
  }
}

serveWorker<ScoringProtocol>({
  attach: (m) => { slot = m.slot; return null; },
  rank: { batch: rankAll },
  // A drop taken in the same wake as that model's last requests must not overtake them: the batch of
  // `rank` runs after every message of the wake is taken, and this microtask after that.
  drop: (m) => { queueMicrotask(() => models.delete(m.model)); return null; },
  hold: (flag) => { Atomics.wait(flag, 0, 0); return null; },
});
