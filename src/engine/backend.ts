/**
 * Picks and starts the engine backend from config: auto | tensorflow | webgpu | wasm | cpu | native-cpu.
 *
 *  - tensorflow: @tensorflow/tfjs-node-gpu (optional dependency, dynamically imported; CUDA when its
 *    libraries are found, else libtensorflow on the host CPU). `isUsingGpuDevice` tells which.
 *  - webgpu: ./backends/webgpu.js (Dawn through the `webgpu` package).
 *  - native-cpu: not a tfjs backend; ./native-cpu/index.js (trainer.ts dispatches to it).
 *  - wasm (@tensorflow/tfjs-backend-wasm, SIMD, one thread in Node; its batched BatchMatMul replaced by
 *    ./backends/wasm-batch-matmul.ts), cpu (plain JS, last resort).
 *
 * auto: tensorflow (if it loads) -> webgpu (if a hardware adapter exists) -> native-cpu (if its module
 * loads) -> wasm -> cpu. Every fallback is logged with its reason, and the device actually used is logged.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { FailedPreconditionError, errorMessage } from '../errors.js';
import { installWasmBatchMatMul } from './backends/wasm-batch-matmul.js';
import type { EngineBackend } from './options.js';

export interface BackendChoice {
  /** 'tensorflow' | 'webgpu' | 'wasm' | 'cpu' | 'native-cpu' */
  backend: string;
  /** Where it runs, e.g. "GPU (CUDA, tfjs-node-gpu)", "CPU (wasm SIMD, 1 thread)". */
  device: string;
}

export type EngineLog = (msg: string, fields?: Record<string, unknown>) => void;

/** The package name, kept in a variable so that TypeScript and bundlers do not require it to exist. */
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

export interface BackendInitOptions {
  log?: EngineLog;
  /** Module specifier of the tensorflow backend (tests point it at a package that does not exist). */
  tensorflowModule?: string;
}

async function startTensorflow(specifier: string): Promise<BackendChoice> {
  try {
    await import(specifier);
  } catch (err) {
    throw new FailedPreconditionError(
      `backend "tensorflow": cannot load ${specifier} (${errorMessage(err).split('\n')[0]}). ` +
        `Install it with \`npm install ${TFJS_NODE_GPU}@4.22.0\` (see README, "GPU backend (tfjs-node-gpu)"), or choose backend "auto" or "wasm"`,
      { field: 'backend', cause: err },
    );
  }
  if (!tf.findBackend('tensorflow')) {
    throw new FailedPreconditionError(
      `backend "tensorflow": ${specifier} loaded but registered no "tensorflow" backend with this @tensorflow/tfjs-core ` +
        `(${tf.version_core}); install versions that match (4.22.0)`,
      { field: 'backend' },
    );
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new FailedPreconditionError('backend "tensorflow": libtensorflow failed to initialise', { field: 'backend' });
  }
  const gpu = Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
  return { backend: 'tensorflow', device: gpu ? 'GPU (CUDA, tfjs-node-gpu)' : 'CPU (host, libtensorflow: no CUDA device found)' };
}

async function startWebgpu(log: EngineLog | undefined, hardwareOnly: boolean): Promise<BackendChoice> {
  let mod: typeof import('./backends/webgpu.js');
  try {
    mod = await import('./backends/webgpu.js');
  } catch (err) {
    throw new FailedPreconditionError(`backend "webgpu": not available (${errorMessage(err)})`, { field: 'backend', cause: err });
  }
  const r = await mod.initWebGpuBackend(log, { allowSoftware: !hardwareOnly });
  return { backend: 'webgpu', device: r.device };
}

async function startTfjs(name: 'wasm' | 'cpu'): Promise<BackendChoice> {
  if (!(await tf.setBackend(name))) {
    throw new FailedPreconditionError(`backend "${name}": failed to initialise`, { field: 'backend' });
  }
  await tf.ready();
  if (name === 'cpu') return { backend: name, device: 'CPU (JavaScript)' };
  const bmm = installWasmBatchMatMul();
  return { backend: name, device: `CPU (wasm SIMD, 1 thread; BatchMatMul: ${bmm.installed ? 'batch-matmul.wasm' : `stock (${bmm.reason})`})` };
}

async function nativeCpuAvailable(): Promise<boolean> {
  try {
    const mod = await import('./native-cpu/index.js');
    return typeof mod.trainNativeCpu === 'function';
  } catch {
    return false;
  }
}

/** Starts the requested backend (for tfjs ones: makes it the active tfjs backend) and logs the device used. */
export async function initBackend(requested: EngineBackend, opts: BackendInitOptions = {}): Promise<BackendChoice> {
  const { log } = opts;
  const tfModule = opts.tensorflowModule ?? TFJS_NODE_GPU;
  let choice: BackendChoice;
  switch (requested) {
    case 'tensorflow':
      choice = await startTensorflow(tfModule);
      break;
    case 'webgpu':
      choice = await startWebgpu(log, false);
      break;
    case 'wasm':
    case 'cpu':
      choice = await startTfjs(requested);
      break;
    case 'native-cpu':
      choice = { backend: 'native-cpu', device: 'CPU (native-cpu worker threads)' };
      break;
    case 'auto': {
      const attempts: Array<[string, () => Promise<BackendChoice | undefined>]> = [
        ['tensorflow', () => startTensorflow(tfModule)],
        ['webgpu', () => startWebgpu(log, true)],
        ['native-cpu', async () => ((await nativeCpuAvailable()) ? { backend: 'native-cpu', device: 'CPU (native-cpu worker threads)' } : undefined)],
        ['wasm', () => startTfjs('wasm')],
        ['cpu', () => startTfjs('cpu')],
      ];
      let found: BackendChoice | undefined;
      for (const [name, start] of attempts) {
        try {
          found = await start();
          if (found) break;
          log?.(`engine backend ${name} not available, trying the next`, { backend: name });
        } catch (err) {
          log?.(`engine backend ${name} not available, trying the next: ${errorMessage(err)}`, { backend: name });
        }
      }
      if (!found) throw new FailedPreconditionError('no engine backend could be started', { field: 'backend' });
      choice = found;
      break;
    }
    default:
      throw new FailedPreconditionError(`unknown backend "${String(requested)}"`, { field: 'backend' });
  }
  log?.(`engine backend ${choice.backend} on ${choice.device}`, { backend: choice.backend, device: choice.device, requested });
  return choice;
}
