/**
 * A job's offline evaluation off the caller's event loop: the holdout split and the ranking of every test
 * source (the costly parts, linear in the interactions and in sources x targets) run on a worker thread
 * started for the evaluation and ended after it (its heap given back); only the fit runs where the caller's
 * trainer runs it. The split comes back transferred, with a second copy of the train part that the fit
 * takes over; the fitted factors and the split move to the worker for the ranking (the caller must not use
 * them afterwards). Aborting the signal ends the worker at once.
 */
import type { CsrMatrix } from '../../engine/types.js';
import { transfer, WorkerClient } from '../../util/worker-rpc.js';
import { evaluateHoldout, type HoldoutFit, type HoldoutOptions } from './evaluate.js';
import { matrixBuffers, type EvaluationProtocol } from './evaluation-protocol.js';
import type { EvaluationSummary } from './metrics.js';

/** evaluateHoldout with the split and the ranking on a worker thread; `matrix` is copied to it (the caller keeps it). */
export async function evaluateHoldoutInWorker(matrix: CsrMatrix, options: HoldoutOptions, fit: HoldoutFit, signal?: AbortSignal): Promise<EvaluationSummary> {
  const w = WorkerClient.start<EvaluationProtocol>(import.meta.url, 'evaluation-worker', { label: 'evaluation worker' });
  try {
    return await evaluateHoldout(matrix, options, fit, {
      split: (m, fraction, seed) => w.call('split', { matrix: m, fraction, seed }, { signal, abortGraceMs: 0 }),
      summarize: (input) => w.call('summarize', input, {
        signal, abortGraceMs: 0, transfer: transfer(null, [input.sourceFactors.buffer, input.targetFactors.buffer, ...matrixBuffers(input.train, input.test)]).transfer,
      }),
    });
  } finally {
    await w.terminate();
  }
}
