/**
 * The `webgpu` backend on whatever adapter Dawn finds. Here (and in CI, where .ci/run installs Mesa) that is
 * Mesa's llvmpipe through Dawn's OpenGL ES backend: a software adapter, slow but a real WebGPU
 * implementation, so the same shaders that run on an NVIDIA GPU are checked for correctness.
 * On a machine with no adapter at all (no Mesa, no GPU) outside CI, the tests assert the clean failure path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { FailedPreconditionError } from '../src/errors.js';
import {
  initWebGpuBackend,
  probeWebGpuAdapters,
  type WebGpuAdapterSummary,
} from '../src/engine/backends/webgpu.js';
import { compileAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import { skewedPairs } from './helpers/engine-data.js';

// Probed at collection time: decides whether the adapter tests run (they always do in CI).
const adapters: WebGpuAdapterSummary[] = await probeWebGpuAdapters();
const logs: string[] = [];

/** Deterministic pseudo-random floats in [-1, 1). */
function randoms(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  expect(worst).toBeLessThan(tol);
}

describe('webgpu backend', () => {
  it('finds an adapter where CI installed Mesa, lists hardware ones first, classifies software ones, and probes once', async () => {
    if (process.env.CI === 'true') expect(adapters.length).toBeGreaterThan(0);
    const software = adapters.map((a) => a.software);
    expect(software).toEqual([...software].sort((a, b) => Number(a) - Number(b)));
    for (const a of adapters) {
      if (/llvmpipe|lavapipe|swiftshader/i.test(a.device + a.description)) expect(a.software).toBe(true);
      expect(a.device.length).toBeGreaterThan(0);
    }
    // Each Dawn backend is probed once per process: asking again gives the same adapters.
    expect(await probeWebGpuAdapters()).toEqual(adapters);
  });

  it('refuses software adapters when told to (what auto does), and fails cleanly with no adapter', async () => {
    const hardware = adapters.some((a) => !a.software);
    // No adapter at all: even an explicit request fails. Otherwise: refuse software ones.
    const allowSoftware = adapters.length === 0;
    const outcome = await initWebGpuBackend(undefined, { allowSoftware }).then(
      (r) => ({ ok: true as const, r }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    if (hardware) {
      // GPU machine: a hardware adapter is accepted.
      expect(outcome.ok && outcome.r.software).toBe(false);
      return;
    }
    expect(outcome.ok).toBe(false);
    const err = (outcome as { err: unknown }).err;
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect((err as FailedPreconditionError).field).toBe('backend');
    expect((err as Error).message).toMatch(adapters.length === 0 ? /no WebGPU adapter found.*libvulkan1/ : /no hardware WebGPU adapter found, only software ones \(software: /);
  });

  describe.runIf(adapters.length > 0 || process.env.CI === 'true' || process.env.WEBGPU_EXPECT_ADAPTER === '1')('ops on the adapter', () => {
    beforeAll(async () => {
      const r = await initWebGpuBackend((msg, f) => logs.push(`${msg} ${JSON.stringify(f)}`));
      expect(r.backend).toBe('webgpu');
      expect(tf.getBackend()).toBe('webgpu');
      expect(r.device).toMatch(r.software ? /^software: / : /^GPU: /);
      expect(logs.some((l) => l.startsWith('webgpu backend ready') && l.includes(r.adapter.device))).toBe(true);
    });

    it('matMul with transpose flags matches a plain loop', async () => {
      const [m, k, n] = [37, 64, 50];
      const a = randoms(m * k, 1);
      const b = randoms(n * k, 2);
      const expected = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a[i * k + t] * b[j * k + t];
        expected[i * n + j] = s;
      }
      const out = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [n, k]), false, true));
      expectClose(await out.data(), expected, 1e-4);
      out.dispose();
    });

    it('batched thin matMul (per-row Gram blocks) matches a plain loop', async () => {
      const [batch, rows, k] = [5, 9, 16];
      const x = randoms(batch * rows * k, 3);
      const expected = new Float64Array(batch * k * k);
      for (let b = 0; b < batch; b++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += x[(b * rows + r) * k + i] * x[(b * rows + r) * k + j];
        expected[(b * k + i) * k + j] = s;
      }
      const out = tf.tidy(() => {
        const t = tf.tensor3d(x, [batch, rows, k]);
        return tf.matMul(t, t, true, false);
      });
      expectClose(await out.data(), expected, 1e-4);
      out.dispose();
    });

    it('gather picks rows by index', async () => {
      const [rows, k] = [100, 8];
      const y = randoms(rows * k, 4);
      const idx = Int32Array.from([5, 0, 99, 5, 42]);
      const out = tf.tidy(() => tf.gather(tf.tensor2d(y, [rows, k]), tf.tensor1d(idx, 'int32')));
      const expected = new Float32Array(idx.length * k);
      idx.forEach((r, i) => expected.set(y.subarray(r * k, r * k + k), i * k));
      expect(Array.from(await out.data())).toEqual(Array.from(expected));
      out.dispose();
    });

    it('scatterND sums duplicate indices (segment sum)', async () => {
      const [segments, n, k] = [7, 300, 4];
      const seg = new Int32Array(n);
      for (let i = 0; i < n; i++) seg[i] = (i * 7919) % segments;
      const v = randoms(n * k, 5);
      const expected = new Float64Array(segments * k);
      for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) expected[seg[i] * k + t] += v[i * k + t];
      const out = tf.tidy(() => tf.scatterND(tf.tensor2d(seg, [n, 1], 'int32'), tf.tensor2d(v, [n, k]), [segments, k]));
      expectClose(await out.data(), expected, 1e-4);
      out.dispose();
    });

    it('reductions and elementwise math agree, and no tensors leak', async () => {
      const before = tf.memory().numTensors;
      const x = randoms(4096, 6);
      let expected = 0;
      for (const v of x) expected += v * v * 2 + 1;
      const out = tf.tidy(() => {
        const t = tf.tensor1d(x);
        return tf.sum(tf.add(tf.mul(tf.mul(t, t), tf.scalar(2)), tf.scalar(1)));
      });
      expect(Math.abs((await out.data())[0] - expected) / expected).toBeLessThan(1e-4);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('the ALS engine on webgpu agrees with wasm (same code path, same seed)', async () => {
      const matrix = skewedPairs(120, 80, 1800, 3);
      const options = (backend: string) => compileAlsOptions({ backend, factors: 8, iterations: 3, regularization: 1, seed: 7 });
      const engineLogs: string[] = [];
      const wasm = await trainAls(matrix, options('wasm'));
      const gpu = await trainAls(matrix, options('webgpu'), { log: (m) => engineLogs.push(m) });
      expect(wasm.backend).toBe('wasm');
      expect(gpu.backend).toBe('webgpu');
      expect(gpu.device).toMatch(/webgpu\//);
      expect(engineLogs.some((l) => l.includes('engine backend webgpu on'))).toBe(true);
      // Loss after each iteration: float32 on different hardware, so agreement to ~1e-3 relative.
      expect(gpu.lossCurve).toHaveLength(3);
      gpu.lossCurve.forEach((l, i) => expect(Math.abs(l - wasm.lossCurve[i]) / wasm.lossCurve[i]).toBeLessThan(1e-3));
      // Factors: relative Frobenius distance (measured ~2e-3 on llvmpipe).
      const rel = (a: Float32Array, b: Float32Array) => {
        let num = 0;
        let den = 0;
        for (let i = 0; i < a.length; i++) {
          num += (a[i] - b[i]) ** 2;
          den += a[i] ** 2;
        }
        return Math.sqrt(num / den);
      };
      expect(rel(wasm.sourceFactors, gpu.sourceFactors)).toBeLessThan(2e-2);
      expect(rel(wasm.targetFactors, gpu.targetFactors)).toBeLessThan(2e-2);
    });
  });
});
