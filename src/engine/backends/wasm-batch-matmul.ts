/**
 * A faster BatchMatMul for @tensorflow/tfjs-backend-wasm, registered through tfjs's kernel registry
 * (as custom kernels are: `tf.registerKernel`), so the engine's one tfjs code path is unchanged: it still
 * calls `tf.matMul`. The stock wasm kernel hands batch 1 to XNNPACK but runs every batch of different
 * right-hand sides as a scalar loop (~1-2.6 GB/s); the ALS tensor path's batched mat-vecs are that case
 * ([B, L, k] x [B, k, 1] and [B, 1, L] x [B, L, k], cg-solve.ts) and took ~60 % of its time.
 *
 * This kernel (batch-matmul.c -> committed batch-matmul.wasm, WebAssembly SIMD) takes float32 inputs with
 * no transposes and a batch > 1; every other call goes to the stock kernel. It imports the wasm backend's
 * own memory and reads and writes the tensors in place (no copies); its stack pointer points into a block
 * malloc'ed from that heap, and the module has no data segment (checked on load).
 *
 * The engine setting `wasmBatchMatMul: false` (env RECOMMENDER_WASM_BATCH_MATMUL=0) keeps the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { compileWasm, WA, wasmBytes } from '../../util/wasm.js';

interface WasmBackendInternals {
  wasm: { asm?: { memory?: object }; _malloc(bytes: number): number };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

type BatchMatMulFn = (a: number, b: number, out: number, batch: number, m: number, k: number, n: number, strideA: number, strideB: number) => void;

const STACK_BYTES = 64 * 1024;

/** Section ids of a wasm binary (to check it has no data section before it is given a foreign memory). */
export function wasmSectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let p = 8;
  while (p < bytes.length) {
    ids.push(bytes[p++]!);
    let size = 0;
    let shift = 0;
    let c: number;
    do {
      c = bytes[p++]!;
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    } while (c & 0x80);
    p += size;
  }
  return ids;
}

const MODULE_URL = new URL('./wasm-batch-matmul/batch-matmul.wasm', import.meta.url);

export function batchMatMulWasmBytes(): Uint8Array {
  return wasmBytes(MODULE_URL);
}

export interface BatchMatMulInstall {
  installed: boolean;
  /** Why not, when not installed. */
  reason?: string;
}

/** The stock kernel while ours is registered over it. */
let replaced: tf.KernelConfig | undefined;

function register(config: tf.KernelConfig): void {
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel(config);
}

/**
 * Registers the kernel over the wasm backend's BatchMatMul (`enabled`), or puts the stock kernel back.
 * Call after `tf.setBackend('wasm')` resolved. Idempotent per thread (each worker thread has its own tfjs
 * and backend instance).
 */
export function installWasmBatchMatMul(enabled = true): BatchMatMulInstall {
  if (!enabled) {
    if (replaced) register(replaced);
    replaced = undefined;
    return { installed: false, reason: 'turned off by the wasmBatchMatMul setting' };
  }
  if (replaced) return { installed: true };
  const backend = tf.findBackend('wasm') as unknown as WasmBackendInternals | undefined;
  const memory = backend?.wasm?.asm?.memory;
  const stock = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (!backend || !memory || !stock) return { installed: false, reason: 'the wasm backend does not expose its memory or kernel' };
  if (wasmSectionIds(batchMatMulWasmBytes()).includes(11)) return { installed: false, reason: 'batch-matmul.wasm has a data segment' };
  const inst = new WA.Instance(compileWasm(MODULE_URL), { env: { memory } });
  const sp = inst.exports.__stack_pointer as { value: number };
  sp.value = backend.wasm._malloc(STACK_BYTES) + STACK_BYTES;
  const run = inst.exports.batch_matmul as BatchMatMulFn;

  const kernelFunc: tf.KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const ra = a.shape.length;
    const rb = b.shape.length;
    const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const batch = Math.max(batchA, batchB);
    // Same batch dims on both, or one side's all 1 (broadcast): other broadcasts go to the stock kernel.
    const sameBatch = ra === rb && a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
    const plain = !transposeA && !transposeB && a.dtype === 'float32' && b.dtype === 'float32' && ra >= 3 && rb >= 3 &&
      batch > 1 && (sameBatch || batchA === 1 || batchB === 1);
    const be = args.backend as unknown as WasmBackendInternals;
    // (a wasm backend re-created after this install has another memory: its calls go to the stock kernel)
    if (!plain || a.shape[ra - 1] !== b.shape[rb - 2] || be.wasm.asm?.memory !== memory) return stock.kernelFunc(args);
    const m = a.shape[ra - 2]!;
    const k = a.shape[ra - 1]!;
    const n = b.shape[rb - 1]!;
    const outShape = [...(batchA >= batchB ? a.shape : b.shape).slice(0, -2), m, n];
    const out = be.makeOutput(outShape, 'float32');
    if (m * n > 0) {
      run(be.dataIdMap.get(a.dataId).memoryOffset, be.dataIdMap.get(b.dataId).memoryOffset, be.dataIdMap.get(out.dataId).memoryOffset,
        batch, m, k, n, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
    }
    return out;
  };
  register({ kernelName: tf.BatchMatMul, backendName: 'wasm', kernelFunc });
  replaced = stock;
  return { installed: true };
}
