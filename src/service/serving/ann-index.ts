/**
 * Approximate nearest-neighbour candidates for Recommend on large catalogs: an HNSW graph (usearch 2.x,
 * inner-product metric) over a model's target factors. It only proposes targets; every answer is re-ranked
 * with the exact float32 scores of the exact path (the same kernel, so a target's score is the same bit for
 * bit either way), after the request's filters, exclusions and seen targets are taken out. When too few
 * candidates survive them, the request is answered exactly instead.
 *
 * Stored beside the model's files (data/model-file.ts's directory): `ann-ip.usearch` (the graph and an f16
 * copy of the factors) and `ann-ip.json` (AnnMeta; written last, so its presence means a whole index).
 * Where it is searched (the event loop, each scoring worker) it is memory-mapped, so the page cache holds
 * one copy for every thread. Built by ann-build.ts on a worker thread (ann-builder.ts).
 *
 * Search breadth: HNSW returns `wanted` candidates from a beam of max(expansion, wanted), so the one knob is
 * `wanted`. The build calibrates `breadth` (candidates per 10 results) to the configured recall@10 on a
 * sample of the model's sources; a request fetches breadth * max(1, count / 10), divided by the share of
 * targets its filters allow, plus the number of targets it must skip as seen.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Index } from 'usearch';
import { TopKHeap, type TopK } from './top-k.js';

export const ANN_INDEX_FILE = 'ann-ip.usearch';
export const ANN_META_FILE = 'ann-ip.json';
export const ANN_FORMAT_VERSION = 1;
export const ANN_KIND = 'hnsw (usearch)';

/** Graph parameters (bench/ann.ts measured them: bench/README.md "Serving"). */
export const ANN_CONNECTIVITY = 16;
export const ANN_EXPANSION_ADD = 64;
/** Search beam floor; the effective beam is max(this, wanted). */
const ANN_EXPANSION_SEARCH = 16;

/** What an index is and how good it is; stored as ann-ip.json. */
export interface AnnMeta {
  format: number;
  kind: string;
  /** The model version it indexes, and its shape (checked on load). */
  jobId: string;
  targets: number;
  factors: number;
  /** Scalar type of the index's copy of the factors (f16 unless a factor is beyond its range). */
  quantization: 'f16' | 'f32';
  connectivity: number;
  expansionAdd: number;
  /** Candidates fetched per 10 results, calibrated to `targetRecall`; 0 = no breadth reached it (the index is not used). */
  breadth: number;
  /** Recall@10 at `breadth` against the exact top-10 (exclude_seen, no filters) on `sampleSources` sources. */
  recallAt10: number;
  targetRecall: number;
  sampleSources: number;
  buildSeconds: number;
  /** Size of ann-ip.usearch. */
  bytes: number;
  builtMs: number;
}

export function annPaths(dir: string): { index: string; meta: string } {
  return { index: join(dir, ANN_INDEX_FILE), meta: join(dir, ANN_META_FILE) };
}

/**
 * The stored index meta of a model directory when it indexes exactly this model version (job, targets,
 * factors, format); undefined when absent or stale.
 */
export async function readAnnMeta(dir: string, model: { jobId: string; targets: number; factors: number }): Promise<AnnMeta | undefined> {
  let meta: AnnMeta;
  try {
    meta = JSON.parse(await readFile(annPaths(dir).meta, 'utf8')) as AnnMeta;
  } catch {
    return undefined;
  }
  const ok = meta.format === ANN_FORMAT_VERSION && meta.jobId === model.jobId && meta.targets === model.targets && meta.factors === model.factors;
  return ok ? meta : undefined;
}

/**
 * Most candidates a request may fetch: beyond it scoring the whole catalog exactly is cheaper. A candidate
 * costs 60-300 target rows of the exact int8 pass (bench/ann.ts: the beam visits more of the graph where
 * the factors have less structure), so n / 256 keeps the index cheaper than the exact pass.
 */
export function maxWanted(targets: number): number {
  return Math.max(64, Math.min(16_384, Math.floor(targets / 256)));
}

/**
 * Candidates to fetch for a request of `count` results when `allowed` of the targets pass its filters and
 * `skipped` must be left out as seen; 0 = answer it exactly (no usable breadth, or more than maxWanted).
 */
export function annWanted(meta: Pick<AnnMeta, 'breadth' | 'targets'>, count: number, allowed: number, skipped: number): number {
  if (meta.breadth <= 0 || count <= 0 || allowed <= 0) return 0;
  const base = Math.ceil((meta.breadth * Math.max(count, 10)) / 10);
  const w = Math.ceil((base * meta.targets) / allowed) + skipped;
  return w > maxWanted(meta.targets) ? 0 : w;
}

let usearch: typeof import('usearch') | null | undefined;
let usearchError = '';
/** The usearch binding, loaded on first use; null when its native library does not load on this platform. */
function usearchModule(): typeof import('usearch') | null {
  if (usearch === undefined) {
    try {
      usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');
    } catch (err) {
      usearch = null;
      usearchError = (err as Error).message;
    }
  }
  return usearch;
}

/** Why indexes cannot be built or opened here, or undefined when they can. */
export function annUnavailable(): string | undefined {
  return usearchModule() ? undefined : `usearch did not load: ${usearchError}`;
}

function binding(): typeof import('usearch') {
  const u = usearchModule();
  if (!u) throw new Error(annUnavailable());
  return u;
}

/** An HNSW index over one model's target factors; key i = target index i. */
export class AnnIndex {
  private constructor(private readonly index: Index, readonly meta: Pick<AnnMeta, 'factors'>) {}

  private static empty(factors: number, quantization: AnnMeta['quantization']): Index {
    const { Index, MetricKind, ScalarKind } = binding();
    return new Index({
      dimensions: factors, metric: MetricKind.IP, quantization: quantization === 'f16' ? ScalarKind.F16 : ScalarKind.F32,
      connectivity: ANN_CONNECTIVITY, expansion_add: ANN_EXPANSION_ADD, expansion_search: ANN_EXPANSION_SEARCH, multi: false,
    });
  }

  /** Memory-maps a stored index (no copy; pages are read as the search touches them). */
  static open(path: string, meta: Pick<AnnMeta, 'factors' | 'quantization'>): AnnIndex {
    const index = AnnIndex.empty(meta.factors, meta.quantization);
    index.view(path);
    return new AnnIndex(index, meta);
  }

  /** An empty index for vectors of `factors` dimensions (fill it with `add`). */
  static create(factors: number, quantization: AnnMeta['quantization']): AnnIndex {
    return new AnnIndex(AnnIndex.empty(factors, quantization), { factors });
  }

  /** Adds rows [from, to) of Y (row-major, `factors` wide; a view on shared memory works) with `threads` native threads. */
  add(Y: Float32Array, from: number, to: number, threads: number): void {
    const k = this.meta.factors;
    const keys = new BigUint64Array(to - from);
    for (let i = from; i < to; i++) keys[i - from] = BigInt(i);
    this.index.add(keys, Y.subarray(from * k, to * k), threads);
  }

  get size(): number { return this.index.size(); }

  save(path: string): void { this.index.save(path); }

  /** The `wanted` targets with the largest approximate inner product with x (fewer when the catalog is smaller), best first. */
  candidates(x: Float32Array, wanted: number): Int32Array {
    const { keys } = this.index.search(x, wanted, 1);
    const out = new Int32Array(keys.length);
    for (let j = 0; j < keys.length; j++) out[j] = Number(keys[j]!);
    return out;
  }
}

/** Whether sorted `seen` holds i (binary search). */
function has(seen: ArrayLike<number>, i: number): boolean {
  let lo = 0, hi = seen.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = seen[mid]!;
    if (v === i) return true;
    if (v < i) lo = mid + 1; else hi = mid - 1;
  }
  return false;
}

/**
 * The exact top `count` among the candidates: those the mask allows and `seen` (sorted) does not hold are
 * rescored with `rescore(idx, m)` (the exact path's float32 scores of idx[0..m)), ranked by score, ties
 * to the lower index. Undefined when fewer than `count` candidates survive (the caller answers exactly).
 * `scratch` must hold cands.length entries (the rescoring kernel may read the indices from there).
 */
export function rerankCandidates(
  cands: Int32Array, count: number, mask: Uint8Array | null | undefined, seen: ArrayLike<number> | undefined,
  scratch: Int32Array, rescore: (idx: Int32Array, m: number) => ArrayLike<number>,
): TopK | undefined {
  let m = 0;
  const skip = seen && seen.length > 0 ? seen : undefined;
  for (let j = 0; j < cands.length; j++) {
    const i = cands[j]!;
    if ((mask && !mask[i]) || (skip && has(skip, i))) continue;
    scratch[m++] = i;
  }
  if (m < count) return undefined;
  const scores = rescore(scratch, m);
  const heap = new TopKHeap(count);
  for (let j = 0; j < m; j++) heap.push(scratch[j]!, scores[j]!);
  return heap.drain();
}
