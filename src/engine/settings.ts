/**
 * Engine settings: how this process runs the engine (kernels, thresholds), as opposed to a job's
 * hyperparameters (options.ts). config.ts reads them from the environment; the engine takes them as an
 * explicit argument (`trainAls`, `trainInWorker`) and never reads the environment itself. A setting left
 * out takes its default.
 */
export interface EngineSettings {
  /** The wasm backend's batched BatchMatMul: our batch-matmul.wasm (true) or tfjs's stock kernel. */
  wasmBatchMatMul: boolean;
  /** native-cpu's row kernel: WebAssembly SIMD (falls back to JS when it cannot load or the problem exceeds wasm32) or JS. */
  nativeCpuKernel: 'wasm' | 'js';
  /** native-cpu's relaxed-SIMD build (fused multiply-add) where the runtime compiles it; false: the plain SIMD build. */
  relaxedSimd: boolean;
  /** From this many nonzeros, the wasm and cpu backends shard the tensor path over `workers` threads. */
  tensorShardMinNonzeros: number;
  /** Module specifier of the tensorflow backend (tests point it at a package that does not exist). */
  tensorflowModule: string;
}

/** The package name of the tensorflow backend (an optional dependency). */
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

export const ENGINE_SETTINGS_DEFAULTS: EngineSettings = {
  wasmBatchMatMul: true,
  nativeCpuKernel: 'wasm',
  relaxedSimd: true,
  // A shard's start (its own tfjs backend, ~0.3-1 s) costs more than the split saves below this.
  tensorShardMinNonzeros: 200_000,
  tensorflowModule: TFJS_NODE_GPU,
};

export function engineSettings(s: Partial<EngineSettings> = {}): EngineSettings {
  const out = { ...ENGINE_SETTINGS_DEFAULTS };
  for (const [k, v] of Object.entries(s)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
