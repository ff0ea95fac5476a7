/**
 * A scoring worker thread (started by ScoringPool, told its slot by `attach`): ranks targets for source
 * vectors against models in shared memory, off the gRPC event loop. The `rank` requests already queued
 * when it wakes come in one batch (util/worker-rpc.ts); those with `wanted` go through the model's ANN
 * index first (memory-mapped here on first use); the rest, and those the index cannot answer, are scored
 * BATCH at a time in one pass over the target factors of their model, and each reply goes out as soon as
 * its group is done.
 */
import { type BatchedCall, serveWorker, transfer } from '../../util/worker-rpc.js';
import { AnnIndex } from './ann-index.js';
import type { Ranked, RankRequest, ScoringProtocol } from './scoring-protocol.js';
import type { TopK } from './top-k.js';
import { BATCH, BatchScorer } from './wasm-scorer.js';

const models = new Map<number, BatchScorer>();
/** Opened ANN indexes by model; null = it could not be opened (those requests are ranked exactly). */
const indexes = new Map<number, AnnIndex | null>();
let slot = -1;

type Call = BatchedCall<RankRequest, Ranked>;

function reply(c: Call, t: TopK, group: number): void {
  const { indices, scores } = t;
  c.resolve(transfer({ indices, scores, group, approximate: t.approximate }, [indices.buffer, scores.buffer]));
}

/** The index-backed top of one request, or undefined (no index, too few candidates survived). */
function annTop(scorer: BatchScorer, c: Call): TopK | undefined {
  const { model, ann, wanted, x, count, mask, seen } = c.payload;
  if (ann && !indexes.has(model)) {
    try { indexes.set(model, AnnIndex.open(ann.path, ann.meta)); } catch { indexes.set(model, null); }
  }
  const index = indexes.get(model);
  if (!index || !wanted) return undefined;
  const t = scorer.annTop(x, index.candidates(x, wanted), count, mask, seen);
  return t && { ...t, approximate: true };
}

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
  for (const [model, all] of byModel) {
    const scorer = models.get(model);
    const list: Call[] = [];
    for (const c of all) {
      try {
        const t = scorer && c.payload.wanted ? annTop(scorer, c) : undefined;
        if (t) reply(c, t, 1); else list.push(c);
      } catch (err) {
        c.reject(err);
      }
    }
    for (let a = 0; a < list.length; a += BATCH) {
      const group = list.slice(a, a + BATCH);
      if (!scorer) {
        for (const c of group) c.reject(new Error(`scoring worker ${slot} does not hold model ${model}`));
        continue;
      }
      try {
        const tops = scorer.topBatch(group.map((c) => c.payload));
        group.forEach((c, q) => reply(c, tops[q]!, group.length));
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
  drop: (m) => { queueMicrotask(() => { models.delete(m.model); indexes.delete(m.model); }); return null; },
  hold: (flag) => { Atomics.wait(flag, 0, 0); return null; },
});
