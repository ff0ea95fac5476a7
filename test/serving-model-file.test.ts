import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packModel, readModel, writeModel } from '../src/data/model-file.js';
import { syntheticModel } from './helpers/serving.js';
import { writeModelInWorker } from '../src/data/model-write-in-worker.js';
import { packStrings, packedLength, unpackStrings } from '../src/data/packed-strings.js';

const root = mkdtempSync(join(tmpdir(), 'model-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('model file', () => {
  it('round-trips every field through Arrow IPC files', async () => {
    const model = syntheticModel({ sources: 37, targets: 53, factors: 7, seed: 3 });
    model.meta.evaluation = { k: 10, model: { precision_at_k: 0.5 } };
    const dir = join(root, 'models', 'm', 'j1');
    await writeModel(dir, model);
    expect(readdirSync(join(root, 'models', 'm'))).toEqual(['j1']);
    expect(readdirSync(dir).sort()).toEqual(['meta.json', 'seen.arrow', 'sources.arrow', 'targets.arrow']);
    const back = await readModel(dir);
    expect(back.meta).toEqual(model.meta);
    expect(back.sourceIds).toEqual(model.sourceIds);
    expect(back.targetIds).toEqual(model.targetIds);
    expect(back.sourceFactors).toEqual(model.sourceFactors);
    expect(back.targetFactors).toEqual(model.targetFactors);
    expect(back.seen.indptr).toEqual(model.seen.indptr);
    expect(back.seen.indices).toEqual(model.seen.indices);
    expect(back.seen.data).toEqual(model.seen.data);
    expect(back.targetPopularity).toEqual(model.targetPopularity);
    expect(back.sourceEntities).toEqual(model.sourceEntities);
    expect(back.targetEntities).toEqual(model.targetEntities);
  });

  it('handles empty rows, no interactions and replaces an existing directory', async () => {
    const model = syntheticModel({ sources: 4, targets: 3, factors: 2, density: 0, seed: 5 });
    const dir = join(root, 'models', 'm2', 'j');
    await writeModel(dir, syntheticModel({ sources: 9, targets: 9, factors: 3, seed: 9 }));
    await writeModel(dir, model);
    const back = await readModel(dir);
    expect(back.seen.indptr).toEqual(new Int32Array(5));
    expect(back.seen.indices.length).toBe(0);
    expect(back.targetFactors).toEqual(model.targetFactors);
    expect(readdirSync(join(root, 'models', 'm2'))).toEqual(['j']);
  });

  it('rejects inconsistent models without leaving a temp directory', async () => {
    const model = syntheticModel({ sources: 4, targets: 3, factors: 2, seed: 5 });
    model.targetFactors = new Float32Array(5);
    await expect(writeModel(join(root, 'models', 'bad', 'j'), model)).rejects.toThrow(/targetFactors/);
    expect(existsSync(join(root, 'models', 'bad')) ? readdirSync(join(root, 'models', 'bad')) : []).toEqual([]);
  });

  it('is written from a worker thread out of packed ids: the model\'s buffers move there, and it reads back the same', async () => {
    const model = syntheticModel({ sources: 41, targets: 29, factors: 5, seed: 8 });
    const expected = { ...model, sourceFactors: model.sourceFactors.slice(), targetFactors: model.targetFactors.slice() };
    const packed = { ...packModel(model), sourceFactors: model.sourceFactors.slice(), targetFactors: model.targetFactors.slice(), targetPopularity: undefined };
    const dir = join(root, 'models', 'w', 'j1');
    await writeModelInWorker(dir, packed, { dataDir: root });
    // Transferred, not copied: the caller's views are detached.
    expect(packed.sourceFactors.byteLength).toBe(0);
    expect(packed.sourceIds.bytes.byteLength).toBe(0);
    const back = await readModel(dir);
    expect(back.sourceIds).toEqual(expected.sourceIds);
    expect(back.sourceEntities).toEqual(expected.sourceEntities);
    expect(back.sourceFactors).toEqual(expected.sourceFactors);
    expect(back.targetPopularity).toEqual(expected.targetPopularity); // computed from seen in the writer
  });

  it('packs strings (nulls, multi-byte) into Utf8 buffers and back', () => {
    const values = ['a', null, 'ü-€-😀', '', 'x'.repeat(1000), null];
    const p = packStrings(values);
    expect(packedLength(p)).toBe(6);
    expect(p.valid).toBeDefined();
    expect(unpackStrings(p)).toEqual(values);
    expect(packStrings(['a', 'b']).valid).toBeUndefined();
  });
});
