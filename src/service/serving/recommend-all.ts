import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { CancelledError, InvalidArgumentError } from '../../errors.js';
import type { RecommendAllRequest__Output } from '../../gen/recommender/v1/RecommendAllRequest.js';
import type { RecommendAllResponse } from '../../gen/recommender/v1/RecommendAllResponse.js';
import { candidatesFor, compileTargetSelection } from './candidates.js';
import { DEFAULT_CHUNK, MAX_CHUNK, requireModelId, resultCount } from './limits.js';
import { seenOf, toRecommendations, type ModelSource } from './recommender.js';
import { TopKHeap, type TopK } from './top-k.js';

/** Compute at most this long between yields to the event loop (other calls keep being served). */
const SLICE_MS = 8;

/**
 * RecommendAll: every source of the model (only those whose entity type is `source_type`, when given),
 * in index order, `chunk_size` sources per message. With the SIMD kernel (wasm-scorer.ts) each source is
 * ranked by WasmScorer.top (int8 prefilter + exact rescoring, or one float32 pass into an n-float scratch). Without it, each chunk is scored as a blocked product: target
 * factors are walked in blocks of ~256 KiB, and every source of the chunk is scored against a block
 * while it is in cache, keeping a bounded top-k heap per source. Memory: chunk_size heaps of
 * max_recommendations entries, independent of the catalog size. The generator is pulled one message
 * at a time by the transport, which waits for 'drain' before asking for the next (backpressure); it
 * stops at the next slice when `signal` aborts (client cancelled).
 */
export async function* recommendAll(models: ModelSource, req: RecommendAllRequest__Output, signal: AbortSignal): AsyncGenerator<RecommendAllResponse> {
  const modelId = requireModelId(req.model_id);
  const count = resultCount(req.max_recommendations, 'max_recommendations');
  const excludeSeen = req.exclude_seen ?? true;
  const chunkReq = req.chunk_size ?? 0;
  if (!Number.isInteger(chunkReq) || chunkReq < 0) throw new InvalidArgumentError(`chunk_size must be a non-negative integer, got ${chunkReq}`, { field: 'chunk_size' });
  const chunkSize = chunkReq === 0 ? DEFAULT_CHUNK : Math.min(chunkReq, MAX_CHUNK);
  const sel = compileTargetSelection({ target_type: req.target_type, target_filter: req.target_filter });

  const served = await models.get(modelId);
  const { mask } = candidatesFor(served, sel);
  const { k } = served;
  const X = served.model.sourceFactors;
  const Y = served.model.targetFactors;
  const n = served.targetCount;
  const m = served.sourceCount;
  const types = served.sourceTypes;
  const block = Math.max(256, Math.floor(65536 / k));
  // per-source heaps of the blocked JS path (the SIMD path ranks each source in one call)
  const heaps = served.scorer ? [] : Array.from({ length: chunkSize }, () => new TopKHeap(count));
  const seenPos = new Int32Array(chunkSize);
  let last = performance.now();

  let u = 0;
  while (u < m) {
    const chunk: number[] = [];
    for (; u < m && chunk.length < chunkSize; u++) if (!req.source_type || types.at(u) === req.source_type) chunk.push(u);
    if (chunk.length === 0) break;
    seenPos.fill(0);
    const tops: TopK[] = [];
    if (served.scorer) {
      // SIMD kernel (with the int8 prefilter where the model has it; exact either way), per source.
      for (let s = 0; s < chunk.length; s++) {
        const src = chunk[s]!;
        tops.push(served.scorer.top(X.subarray(src * k, (src + 1) * k), count, mask, excludeSeen ? seenOf(served, src) : undefined));
        if (performance.now() - last > SLICE_MS) {
          await yieldToLoop();
          last = performance.now();
          if (signal.aborted) throw new CancelledError('RecommendAll cancelled by the client');
        }
      }
    }
    for (let t0 = 0; !served.scorer && t0 < n; t0 += block) {
      const t1 = Math.min(n, t0 + block);
      for (let s = 0; s < chunk.length; s++) {
        const src = chunk[s]!;
        const heap = heaps[s]!;
        const seen = excludeSeen ? seenOf(served, src) : undefined;
        let p = seenPos[s]!;
        const xo = src * k;
        for (let i = t0; i < t1; i++) {
          if (mask && !mask[i]) continue;
          if (seen) {
            while (p < seen.length && seen[p]! < i) p++;
            if (p < seen.length && seen[p] === i) continue;
          }
          let d = 0;
          for (let f = 0, yo = i * k; f < k; f++) d += X[xo + f]! * Y[yo + f]!;
          if (heap.size < count || d > heap.threshold) heap.push(i, d);
        }
        seenPos[s] = p;
      }
      if (performance.now() - last > SLICE_MS) {
        await yieldToLoop();
        last = performance.now();
        if (signal.aborted) throw new CancelledError('RecommendAll cancelled by the client');
      }
    }
    const results = chunk.map((src, s) => ({
      source_id: served.sourceId(src), recommendations: toRecommendations(served, served.scorer ? tops[s]! : heaps[s]!.drain()), strategy: 'model',
    }));
    if (signal.aborted) throw new CancelledError('RecommendAll cancelled by the client');
    yield { results };
    last = performance.now();
  }
}
