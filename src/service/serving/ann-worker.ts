/**
 * The ANN build worker thread (started by AnnBuilder): builds one index at a time (ann-build.ts), so the
 * graph construction, the calibration and the file writes never run on the gRPC event loop.
 */
import { serveWorker } from '../../util/worker-rpc.js';
import { buildAnnIndex } from './ann-build.js';
import type { AnnProtocol } from './ann-protocol.js';

serveWorker<AnnProtocol>({
  build: (req, ctx) => buildAnnIndex(req, ctx.signal),
  hold: (flag) => { Atomics.wait(flag, 0, 0); return null; },
});
