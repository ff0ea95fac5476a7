/**
 * Building a model's ANN index (ann-index.ts), on the build worker (ann-worker.ts): the model's factors read
 * from its directory here (data/model-file.ts readModelFactors: no ids, no strings), the HNSW graph over the
 * target factors, then the calibration of its search breadth, then the files, index first and meta last
 * (each written under a temp name, fsynced and renamed into place). Nothing of it runs on the event loop,
 * and the served model need not be loaded (a swap asks for the index without loading the model).
 *
 * Calibration: for a sample of the model's sources, the exact top-10 of a default Recommend (exclude_seen,
 * no filters) against what the serving path answers through the index at growing breadths (the same
 * candidates, re-ranking and fallback as serving: annWanted, rerankCandidates). The breadth is the smallest
 * that reaches the target recall@10 on the sources the index answers; none up to maxWanted = 0 (unused).
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isTempName } from '../../data-dir.js';
import { readModelFactors } from '../../data/model-file.js';
import { CancelledError } from '../../errors.js';
import { fsyncDir, tempPathFor, writeFileSynced } from '../../util/atomic-file.js';
import { mulberry32 } from '../../util/random.js';
import {
  ANN_CONNECTIVITY, ANN_EXPANSION_ADD, ANN_FORMAT_VERSION, ANN_INDEX_FILE, ANN_KIND, ANN_META_FILE, AnnIndex, annPaths, annWanted,
  maxWanted, rerankCandidates, type AnnMeta,
} from './ann-index.js';
import { dotAll, dotRows } from './scores.js';
import { topKOfScores, type TopK } from './top-k.js';
import { BATCH, BatchScorer, WasmScorer } from './wasm-scorer.js';

export interface AnnBuildRequest {
  /** The model directory: its factors are read from there, and the index files go there. */
  dir: string;
  /** The version the directory must hold (checked against its meta). */
  jobId: string;
  threads: number;
  targetRecall: number;
  /** Sources the calibration samples (at most; seeded). */
  sampleSources: number;
}

/** Exact and index-backed top-k on the model, with the kernels serving uses. */
interface Ranker {
  exact(xs: Float32Array[], seens: Int32Array[], count: number): TopK[];
  annTop(x: Float32Array, cands: Int32Array, count: number, seen: Int32Array): TopK | undefined;
}

function wasmRanker(scorer: WasmScorer): Ranker {
  const s = new BatchScorer(scorer.share(), 0);
  return {
    exact: (xs, seens, count) => {
      const out: TopK[] = [];
      for (let a = 0; a < xs.length; a += BATCH) {
        out.push(...s.topBatch(xs.slice(a, a + BATCH).map((x, j) => ({ x, count, seen: seens[a + j] }))));
      }
      return out;
    },
    annTop: (x, cands, count, seen) => s.annTop(x, cands, count, null, seen),
  };
}

function jsRanker(Y: Float32Array, n: number, k: number): Ranker {
  const scores = new Float64Array(n);
  let res = new Float64Array(0);
  let scratch = new Int32Array(0);
  return {
    exact: (xs, seens, count) => xs.map((x, j) => { dotAll(x, Y, k, scores, n); return topKOfScores(scores, undefined, count, null, seens[j]); }),
    annTop: (x, cands, count, seen) => {
      if (scratch.length < cands.length) { scratch = new Int32Array(cands.length); res = new Float64Array(cands.length); }
      return rerankCandidates(cands, count, null, seen, scratch, (idx, m) => { dotRows(x, Y, k, idx, m, res); return res; });
    },
  };
}

/** `count` distinct indices below m, ascending (Floyd's sampling, seeded). */
function sampleIndices(m: number, count: number, seed: number): Int32Array {
  const r = mulberry32(seed);
  const set = new Set<number>();
  for (let j = m - count; j < m; j++) {
    const t = Math.floor(r() * (j + 1));
    set.add(set.has(t) ? j : t);
  }
  return Int32Array.from(set).sort();
}

/** Breadths tried, smallest first, up to maxWanted(n). */
function breadths(n: number): number[] {
  const out: number[] = [];
  for (let b = 10; b <= maxWanted(n); b = Math.ceil(b * 1.5)) out.push(b);
  return out;
}

async function commitFile(tmp: string, final: string): Promise<void> {
  const fd = openSync(tmp, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  await rename(tmp, final);
  fsyncDir(dirname(final));
}

/** Removes temp leftovers of an interrupted build in `dir`. */
async function removeLeftovers(dir: string): Promise<void> {
  for (const f of await readdir(dir)) {
    if (isTempName(f) && (f.endsWith(ANN_INDEX_FILE) || f.endsWith(ANN_META_FILE))) await rm(join(dir, f), { force: true });
  }
}

/** Rows added per native call; the worker takes messages (an abort) between calls. */
const ADD_CHUNK = 16_384;

interface BuildInput {
  k: number;
  n: number;
  /** The target factors (the scorer's copy when there is one: the read ones are dropped). */
  Y: Float32Array;
  scorer?: WasmScorer;
  /** Sources to calibrate on: their vectors (S x k) and their seen targets (sorted, CSR over the S). */
  sample: { x: Float32Array; indptr: Int32Array; seen: Int32Array };
}

/** The model's factors from its directory, and the calibration sample; only what the build keeps stays referenced. */
async function readInput(req: AnnBuildRequest): Promise<BuildInput> {
  const model = await readModelFactors(req.dir);
  if (model.meta.jobId !== req.jobId) throw new Error(`${req.dir} holds job ${model.meta.jobId}, not ${req.jobId}`);
  const k = model.meta.factors;
  const n = model.targetFactors.length / k;
  const m = model.sourceFactors.length / k;
  // The exact rankings of the calibration run on the SIMD kernel over its own copy of the factors (one slot
  // for batches of BATCH sources); the index reads that copy too. Without the kernel: the plain JS one.
  const scorer = WasmScorer.create(model.targetFactors, n, k, { slots: 1 });
  const S = Math.min(req.sampleSources, m);
  const picked = sampleIndices(m, S, 1);
  const { indptr, indices } = model.seen;
  const x = new Float32Array(S * k);
  const sIndptr = new Int32Array(S + 1);
  picked.forEach((u, s) => { x.set(model.sourceFactors.subarray(u * k, (u + 1) * k), s * k); sIndptr[s + 1] = sIndptr[s]! + indptr[u + 1]! - indptr[u]!; });
  const seen = new Int32Array(sIndptr[S]!);
  picked.forEach((u, s) => seen.set(indices.subarray(indptr[u]!, indptr[u + 1]!), sIndptr[s]!));
  return { k, n, Y: scorer?.targetFactors ?? model.targetFactors, scorer, sample: { x, indptr: sIndptr, seen } };
}

export async function buildAnnIndex(req: AnnBuildRequest, signal?: AbortSignal): Promise<AnnMeta> {
  const t0 = performance.now();
  const check = () => { if (signal?.aborted) throw new CancelledError('the ANN index build was cancelled'); };
  const { k, n, Y, scorer, sample } = await readInput(req);
  check();
  let maxAbs = 0;
  for (let j = 0; j < n * k; j++) { const a = Math.abs(Y[j]!); if (a > maxAbs) maxAbs = a; }
  const quantization: AnnMeta['quantization'] = maxAbs < 30_000 ? 'f16' : 'f32';
  const index = AnnIndex.create(k, quantization);
  for (let a = 0; a < n; a += ADD_CHUNK) {
    index.add(Y, a, Math.min(n, a + ADD_CHUNK), req.threads);
    await yieldToLoop(); // lets an abort in
    check();
  }

  // Calibration.
  const ranker = scorer ? wasmRanker(scorer) : jsRanker(Y, n, k);
  const S = sample.indptr.length - 1;
  const xs = Array.from({ length: S }, (_, s) => sample.x.subarray(s * k, (s + 1) * k));
  const seens = Array.from({ length: S }, (_, s) => sample.seen.subarray(sample.indptr[s]!, sample.indptr[s + 1]!));
  const exact = ranker.exact(xs, seens, 10).map((t) => new Set(t.indices));
  check();
  let breadth = 0, recallAt10 = 0, answered = 0, best = { recall: 0, answered: 0 };
  for (const b of breadths(n)) {
    let hits = 0, wanted = 0, sources = 0;
    const meta = { breadth: b, targets: n };
    for (let s = 0; s < S; s++) {
      const want = exact[s]!;
      const w = annWanted(meta, 10, n, seens[s]!.length);
      if (w === 0 || want.size === 0) continue; // answered exactly by serving
      const top = ranker.annTop(xs[s]!, index.candidates(xs[s]!, w), 10, seens[s]!);
      if (!top) continue; // too few candidates survived: exact
      sources++;
      wanted += want.size;
      for (const i of top.indices) if (want.has(i)) hits++;
    }
    check();
    const recall = wanted > 0 ? hits / wanted : 1;
    best = { recall, answered: sources };
    if (recall >= req.targetRecall) { breadth = b; recallAt10 = recall; answered = sources; break; }
  }
  if (breadth === 0) { recallAt10 = best.recall; answered = best.answered; }

  // Files: the index, then the meta that vouches for it.
  const paths = annPaths(req.dir);
  await removeLeftovers(req.dir);
  const tmp = tempPathFor(paths.index);
  try {
    index.save(tmp);
    await commitFile(tmp, paths.index);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const meta: AnnMeta = {
    format: ANN_FORMAT_VERSION, kind: ANN_KIND, jobId: req.jobId, targets: n, factors: k, quantization,
    connectivity: ANN_CONNECTIVITY, expansionAdd: ANN_EXPANSION_ADD, breadth, recallAt10, targetRecall: req.targetRecall,
    sampleSources: answered, buildSeconds: (performance.now() - t0) / 1000, bytes: (await stat(paths.index)).size, builtMs: Date.now(),
  };
  const metaTmp = tempPathFor(paths.meta);
  await writeFileSynced(metaTmp, JSON.stringify(meta, null, 1));
  await rename(metaTmp, paths.meta);
  fsyncDir(req.dir);
  return meta;
}
