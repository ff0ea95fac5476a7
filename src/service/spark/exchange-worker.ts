/**
 * The Spark exchange worker: Parquet encoding and decoding (exchange.ts) off the gRPC event loop, for
 * one Spark run (spark-trainer.ts starts one per run and ends it after). It keeps the matrix it exported
 * to compute the objective of the factors it fetches.
 */
import { diskFullError } from '../../data-dir.js';
import type { CsrMatrix } from '../../engine/types.js';
import { InternalError } from '../../errors.js';
import { serveWorker, transfer } from '../../util/worker-rpc.js';
import { readFactors, sparkObjective, writeInteractions, type WeightScaling } from './exchange.js';
import { SPARK_STAGING } from './settings.js';
import type { ExchangeProtocol } from './exchange-protocol.js';

let exported: { matrix: CsrMatrix; scaling: WeightScaling } | undefined;

serveWorker<ExchangeProtocol>({
  export: ({ matrix, dir, stagingDir, scaling }) => {
    exported = { matrix, scaling };
    try {
      return writeInteractions(matrix, dir, scaling);
    } catch (err) {
      // Here, where the error still has its code (only the class and message cross to the parent).
      throw diskFullError(err, stagingDir, SPARK_STAGING);
    }
  },
  fetch: ({ userDir, itemDir, k, alpha, regularization }) => {
    if (!exported) throw new InternalError('spark exchange worker: fetch before export');
    const { matrix, scaling } = exported;
    const users = readFactors(userDir, matrix.rows, k, 'user');
    const items = readFactors(itemDir, matrix.cols, k, 'item');
    const loss = sparkObjective(matrix, users.factors, items.factors, k, { alpha, regularization, ...scaling });
    const r = { sourceFactors: users.factors, targetFactors: items.factors, loss, missingSources: users.missing, missingTargets: items.missing };
    return transfer(r, [r.sourceFactors.buffer, r.targetFactors.buffer]);
  },
});
