/**
 * Builds the ANN indexes of model versions (ann-build.ts) on one worker thread (ann-worker.ts), one at a
 * time in the order asked; asking again for a model directory being built joins that build. The worker
 * starts with the first build and is restarted after a crash by the next one. It reads the version's
 * factors from its directory itself, so nothing is loaded or copied on the event loop for a build.
 */
import type { Logger } from '../../log.js';
import { WorkerClient } from '../../util/worker-rpc.js';
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

  /** Builds and stores the index of model version `jobId` in its directory `dir`. */
  build(dir: string, jobId: string): Promise<AnnMeta> {
    const running = this.builds.get(dir);
    if (running) return running;
    this.failed.delete(dir);
    const req: AnnBuildRequest = { dir, jobId, threads: this.o.threads, targetRecall: this.o.targetRecall, sampleSources: this.o.sampleSources ?? 500 };
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

  private async run(req: AnnBuildRequest): Promise<AnnMeta> {
    if (this.stop.signal.aborted) throw new Error('the server is stopping');
    this.o.log?.info({ dir: req.dir, jobId: req.jobId }, 'building the ANN index');
    const meta = await this.worker().call('build', req, { signal: this.stop.signal, abortGraceMs: 0 });
    this.o.log?.info({ dir: req.dir, seconds: +meta.buildSeconds.toFixed(1), recallAt10: +meta.recallAt10.toFixed(4), breadth: meta.breadth, bytes: meta.bytes }, 'ANN index built');
    return meta;
  }
}
