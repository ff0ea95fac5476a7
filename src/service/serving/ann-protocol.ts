/**
 * Protocol of the ANN build worker (ann-worker.ts; parent side: ann-builder.ts), over util/worker-rpc.ts.
 * A request names a model directory; the worker reads the factors from it.
 */
import type { AnnBuildRequest } from './ann-build.js';
import type { AnnMeta } from './ann-index.js';

export type AnnProtocol = {
  /** Builds, calibrates and stores one model's index; resolves with what was stored. */
  build: { request: AnnBuildRequest; response: AnnMeta };
  /** Holds the worker thread until flag[0] becomes non-zero (lets a test see a build in progress, deterministically). */
  hold: { request: Int32Array; response: null };
};
