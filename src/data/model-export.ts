/**
 * A model version's factors as one Arrow IPC *stream* (ExportModel; README "Exporting a model"), for loading
 * into a vector index of your own. One schema, record batches of source rows first, then target rows:
 *
 *   side     Utf8, not null                            "source" or "target"
 *   id       Utf8, not null                            the id as imported
 *   factors  FixedSizeList<Float32, not null>[k], not null   the row's latent vector
 *
 * Schema metadata (strings): model_id, version, job_id, factors (k), source_count, target_count. A score of
 * the model is the dot product of a source's and a target's factors. Record batches hold about 1 MiB of
 * factors each; the factors are written straight from the model's arrays (no copy).
 */
import { Field, FixedSizeList, Float32, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { IpcStreamEncoder } from './ipc-encoder.js';
import { factorsVector } from './model-file.js';
import type { TrainedModel } from './trained-model.js';

export const EXPORT_SIDES = ['source', 'target'] as const;

export function exportSchema(k: number, metadata: Record<string, string>): Schema {
  return new Schema([
    new Field('side', new Utf8(), false),
    new Field('id', new Utf8(), false),
    new Field('factors', new FixedSizeList(k, new Field('item', new Float32(), false)), false),
  ], new Map(Object.entries(metadata)));
}

/** The stream's bytes, piece by piece (schema, record batches, end-of-stream marker). */
export function* exportModelIpc(model: TrainedModel, version: number, targetBatchBytes = 1024 * 1024): Generator<Uint8Array> {
  const k = model.meta.factors;
  const schema = exportSchema(k, {
    model_id: model.meta.modelId, version: String(version), job_id: model.meta.jobId, factors: String(k),
    source_count: String(model.sourceIds.length), target_count: String(model.targetIds.length),
  });
  const enc = new IpcStreamEncoder(schema);
  yield enc.start();
  const rowsPerBatch = Math.max(1, Math.floor(targetBatchBytes / (4 * k + 16)));
  const sides = [
    { side: EXPORT_SIDES[0], ids: model.sourceIds, factors: model.sourceFactors },
    { side: EXPORT_SIDES[1], ids: model.targetIds, factors: model.targetFactors },
  ];
  for (const { side, ids, factors } of sides) {
    for (let a = 0; a < ids.length; a += rowsPerBatch) {
      const b = Math.min(ids.length, a + rowsPerBatch);
      const n = b - a;
      const children = [
        vectorFromArray(new Array<string>(n).fill(side), new Utf8()).data[0]!,
        vectorFromArray(ids.slice(a, b), new Utf8()).data[0]!,
        factorsVector(factors.subarray(a * k, b * k), n, k).data[0]!,
      ];
      const data = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
      yield enc.encode(new RecordBatch(schema, data));
    }
  }
  yield enc.end();
}
