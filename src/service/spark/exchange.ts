/**
 * The data exchange with Spark (layout in job-spec.ts), run in the exchange worker (exchange-worker.ts):
 *
 *   writeInteractions  the training matrix as Parquet parts (source_index, target_index, weight), one
 *                      row per nonzero, the weight as Spark's confidence 1 + alpha * weight must see it
 *   readFactors        Spark's factor Parquet (id, features array<float>) into a row-major matrix in our
 *                      index order; an id Spark did not return (a row left empty, e.g. by a holdout
 *                      split) keeps zeros, as our own engine's rows without data
 *   sparkObjective     the loss Spark's ALS minimises, exact, in the engine's normalisation
 *
 * Spark's objective (ALS.scala, implicit): the Hu, Koren & Volinsky loss with each row's lambda scaled by
 * its count of interactions (ALS-WR, Zhou et al. 2008):
 *
 *   L = sum_{u,i} c_ui (p_ui - x_u.y_i)^2 + lambda (sum_u n_u |x_u|^2 + sum_i n_i |y_i|^2)
 *
 * which is the engine's objective with SPARK_OBJECTIVE's settings (hyperparameters.ts), evaluated by
 * engine/objective.ts and divided by sum_{u,i} c_ui.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVector, Table, tableFromIPC, tableToIPC, type Vector } from 'apache-arrow';
import { Compression, readParquet, Table as ParquetTable, writeParquet, WriterPropertiesBuilder } from 'parquet-wasm';
import { objective } from '../../engine/objective.js';
import type { CsrMatrix } from '../../engine/types.js';
import { InternalError } from '../../errors.js';
import { SPARK_OBJECTIVE } from './hyperparameters.js';

/** Nonzeros per Parquet part (each part is encoded in memory: ~12 bytes a row, twice). */
export const ROWS_PER_PART = 4_000_000;

export interface WeightScaling { logScaling: boolean; logEpsilon: number }

/** Writes `m` as input/part-NNNNN.parquet files into `dir`; returns the count of files and their bytes. */
export function writeInteractions(m: CsrMatrix, dir: string, scaling: WeightScaling, rowsPerPart = ROWS_PER_PART): { files: number; bytes: number } {
  const nnz = m.indptr[m.rows]!;
  const weight = scaling.logScaling ? m.data.map((w) => Math.log1p(w / scaling.logEpsilon)) : m.data;
  let files = 0, bytes = 0, row = 0;
  for (let start = 0; start < nnz; start += rowsPerPart) {
    const end = Math.min(nnz, start + rowsPerPart);
    const source = new Int32Array(end - start);
    for (let j = start; j < end; j++) {
      while (m.indptr[row + 1]! <= j) row++;
      source[j - start] = row;
    }
    const table = new Table({
      source_index: makeVector(source), target_index: makeVector(m.indices.subarray(start, end)), weight: makeVector(weight.subarray(start, end)),
    } as Record<string, Vector>);
    const parquet = writeParquet(ParquetTable.fromIPCStream(tableToIPC(table, 'stream')), new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build());
    writeFileSync(join(dir, `part-${String(files).padStart(5, '0')}.parquet`), parquet);
    files++;
    bytes += parquet.length;
  }
  return { files, bytes };
}

/** Reads the factors of `rows` ids (0..rows-1) of rank `k` from Spark's Parquet directory `dir`. */
export function readFactors(dir: string, rows: number, k: number, what: string): { factors: Float32Array; missing: number } {
  const out = new Float32Array(rows * k);
  const seen = new Uint8Array(rows);
  let found = 0;
  const bad = (msg: string) => new InternalError(`spark ${what} factors in ${dir}: ${msg}`);
  const parts = readdirSync(dir).filter((f) => f.endsWith('.parquet') && !f.startsWith('.') && !f.startsWith('_')).sort();
  for (const part of parts) {
    const t = tableFromIPC(readParquet(readFileSync(join(dir, part))).intoIPCStream());
    const ids = t.getChild('id'), features = t.getChild('features');
    if (!ids || !features) throw bad(`${part} lacks the id or features column`);
    const idOf = ids.toArray() as Int32Array;
    if (ids.nullCount > 0) throw bad(`${part} has null ids`);
    let r = 0;
    for (const chunk of features.data) {
      const offsets = chunk.valueOffsets as Int32Array;
      const values = chunk.children[0]?.values as Float32Array | undefined;
      if (!values || chunk.nullCount > 0 || (chunk.children[0]?.nullCount ?? 0) > 0) throw bad(`${part} has null or non-float features`);
      for (let j = 0; j < chunk.length; j++, r++) {
        const id = idOf[r]!;
        if (id < 0 || id >= rows) throw bad(`${part} row ${r}: id ${id} is not in 0..${rows - 1}`);
        if (seen[id]) throw bad(`id ${id} appears twice`);
        const a = offsets[chunk.offset + j]!, b = offsets[chunk.offset + j + 1]!;
        if (b - a !== k) throw bad(`${part} row ${r}: ${b - a} features, expected ${k}`);
        out.set(values.subarray(a, b), id * k);
        seen[id] = 1;
        found++;
      }
    }
  }
  return { factors: out, missing: rows - found };
}

/** Spark's objective (module comment) of factors `x` (m x k) and `y` (n x k) on `m`'s weights. */
export function sparkObjective(m: CsrMatrix, x: Float32Array, y: Float32Array, k: number, o: { alpha: number; regularization: number } & WeightScaling): number {
  return objective(m, x, y, { ...SPARK_OBJECTIVE, factors: k, alpha: o.alpha, regularization: o.regularization, logScaling: o.logScaling, logEpsilon: o.logEpsilon });
}
