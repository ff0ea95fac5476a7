/**
 * Builds the ANN indexes of served models (ann-build.ts) on one worker thread (ann-worker.ts), one at a
 * time in the order asked; asking again for a model directory being built joins that build. The worker
 * starts with the first build and is restarted after a crash by the next one.
 *
 * The factors reach the worker as the served model's shared memory (no copy), with a scratch slot of that
 * memory reserved for the build's exact rankings (ModelCache reserves it when it loads a model that needs
 * an index); without the SIMD kernel they are copied.
 */
import type { Logger } from '../../log.js';
import { mulberry32 } from '../../util/random.js';
import { WorkerClient } from '../../util/worker-rpc.js';
import type { ServedModel } from '../models/served-model.js';
import type { AnnBuildRequest } from './ann-build.js';
import type { AnnMeta } from './ann-index.js';
import type { AnnProtocol } from './ann-protocol.js';

export interface AnnBuilderOptions {
  /** Native threads of one build. */
  threads: number;
  /** Recall@10 the search breadth is calibrated to. */
  targetRecall: number;
  /** Sources the calibration samples (default 500). */
  sampleSources?: number;
  log?: Logger;
}

export type AnnBuildState = { state: 'building' } | { state: 'failed'; error: string };

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

export class AnnBuilder {
  private client?: WorkerClient<AnnProtocol>;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly builds = new Map<string, Promise<AnnMeta>>();
  private readonly failed = new Map<string, string>();
  private readonly stop = new AbortController();

  constructor(private readonly o: AnnBuilderOptions) {}

  /** Building or failed for the index of model directory `dir`; undefined when neither (stored, or never asked). */
  state(dir: string): AnnBuildState | undefined {
    if (this.builds.has(dir)) return { state: 'building' };
    const error = this.failed.get(dir);
    return error === undefined ? undefined : { state: 'failed', error };
  }

  /**
   * Builds and stores the index of `served` in its directory `dir`; `slot` is the scorer slot reserved for
   * the build (undefined: the factors are copied and ranked with the plain JS kernel).
   */
  build(served: ServedModel, dir: string, slot?: number): Promise<AnnMeta> {
    const running = this.builds.get(dir);
    if (running) return running;
    this.failed.delete(dir);
    const req = this.request(served, dir, slot);
    const p = this.queue.then(() => this.run(req)).finally(() => this.builds.delete(dir));
    p.catch((err: Error) => this.failed.set(dir, err.message));
    this.queue = p.catch(() => undefined);
    this.builds.set(dir, p);
    return p;
  }

  /** Holds the worker until flag[0] becomes non-zero (tests: a build queued behind it stays in progress). */
  hold(flag: Int32Array): Promise<null> {
    return this.worker().call('hold', flag);
  }

  /** Cancels the build in progress and stops the worker. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.client?.terminate();
  }

  private worker(): WorkerClient<AnnProtocol> {
    if (!this.client?.alive) this.client = WorkerClient.start<AnnProtocol>(import.meta.url, 'ann-worker', { label: 'ANN build worker', ref: false });
    return this.client;
  }

  private request(served: ServedModel, dir: string, slot: number | undefined): AnnBuildRequest {
    const { k, sourceCount: m } = served;
    const S = Math.min(this.o.sampleSources ?? 500, m);
    const picked = sampleIndices(m, S, 1);
    const X = served.model.sourceFactors;
    const { indptr, indices } = served.model.seen;
    const x = new Float32Array(S * k);
    const sIndptr = new Int32Array(S + 1);
    picked.forEach((u, s) => { x.set(X.subarray(u * k, (u + 1) * k), s * k); sIndptr[s + 1] = sIndptr[s]! + indptr[u + 1]! - indptr[u]!; });
    const seen = new Int32Array(sIndptr[S]!);
    picked.forEach((u, s) => seen.set(indices.subarray(indptr[u]!, indptr[u + 1]!), sIndptr[s]!));
    const shared = served.scorer && slot !== undefined && slot < served.scorer.slots;
    return {
      dir, jobId: served.jobId, n: served.targetCount, k,
      share: shared ? served.scorer!.share() : undefined, slot: shared ? slot : undefined,
      factors: shared ? undefined : served.model.targetFactors,
      sample: { x, indptr: sIndptr, seen }, threads: this.o.threads, targetRecall: this.o.targetRecall,
    };
  }

  private async run(req: AnnBuildRequest): Promise<AnnMeta> {
    if (this.stop.signal.aborted) throw new Error('the server is stopping');
    this.o.log?.info({ dir: req.dir, targets: req.n, factors: req.k }, 'building the ANN index');
    const meta = await this.worker().call('build', req, { signal: this.stop.signal, abortGraceMs: 0 });
    this.o.log?.info({ dir: req.dir, seconds: +meta.buildSeconds.toFixed(1), recallAt10: +meta.recallAt10.toFixed(4), breadth: meta.breadth, bytes: meta.bytes }, 'ANN index built');
    return meta;
  }
}
