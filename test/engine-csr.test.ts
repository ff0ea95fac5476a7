/** The one CSR module: its rule holds for every backend, its transpose and builder produce matrices that obey it. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { CooBuilder, transposeCsr, validateCsr } from '../src/engine/csr.js';
import { compileAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { randomCsr } from './helpers/engine-data.js';

const csr = (indptr: number[], indices: number[], data: number[], cols = 4): CsrMatrix => ({
  rows: indptr.length - 1, cols, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float32Array.from(data),
});

describe('CSR rule', () => {
  const bad: Array<[string, CsrMatrix, string, RegExp]> = [
    ['a duplicate column', csr([0, 2], [1, 1], [1, 1]), 'matrix.indices', /not strictly increasing/],
    ['unsorted columns', csr([0, 2], [2, 1], [1, 1]), 'matrix.indices', /not strictly increasing/],
    ['a column out of range', csr([0, 1], [4], [1]), 'matrix.indices', /out of range/],
    ['a zero weight', csr([0, 1], [0], [0]), 'matrix.data', /must be finite and > 0/],
    ['a negative weight', csr([0, 1], [0], [-1]), 'matrix.data', /must be finite and > 0/],
    ['a NaN weight', csr([0, 1], [0], [Number.NaN]), 'matrix.data', /must be finite and > 0/],
    ['indptr not ending at nnz', csr([0, 1], [0, 1], [1, 1]), 'matrix.indptr', /end at nnz/],
  ];
  it.each(bad)('refuses %s, naming the field', (_, m, field, message) => {
    let err: unknown;
    try { validateCsr(m); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toBe(field);
    expect((err as Error).message).toMatch(message);
  });

  it('is the same rule on every backend (native-cpu once accepted zero weights and duplicates)', async () => {
    for (const backend of ['native-cpu', 'wasm', 'cpu']) {
      for (const m of [csr([0, 1], [0], [0]), csr([0, 2], [1, 1], [1, 1])]) {
        const err = await trainAls(m, compileAlsOptions({ backend, factors: 4, iterations: 1 })).catch((e) => e);
        expect(err, backend).toBeInstanceOf(InvalidArgumentError);
      }
    }
  });

  it('transposes (twice: the same matrix), carrying other values along, and builds from triplets', () => {
    const m = randomCsr(30, 20, 0.2, 4);
    const t = transposeCsr(m);
    validateCsr(t);
    expect(t.rows).toBe(20);
    const back = transposeCsr(t);
    expect([back.indptr, back.indices, back.data]).toEqual([m.indptr, m.indices, m.data]);
    const doubled = transposeCsr(m, m.data.map((w) => 2 * w));
    expect(Array.from(doubled.data)).toEqual(Array.from(t.data, (w) => 2 * w));
    const b = new CooBuilder();
    for (let r = 0; r < m.rows; r++) for (let j = m.indptr[r]!; j < m.indptr[r + 1]!; j++) { b.push(r, m.indices[j]!, m.data[j]! / 2); b.push(r, m.indices[j]!, m.data[j]! / 2); }
    const built = b.toCsr(m.rows, m.cols);
    validateCsr(built);
    expect([built.indptr, built.indices, built.data]).toEqual([m.indptr, m.indices, m.data]);
  });
});
