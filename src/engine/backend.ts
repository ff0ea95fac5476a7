/**
 * Picks and starts the engine backend: auto | tensorflow | webgpu | wasm | cpu | native-cpu.
 *
 *  - tensorflow: @tensorflow/tfjs-node-gpu (optional dependency, dynamically imported; CUDA when its
 *    libraries are found, else libtensorflow on the host CPU). `isUsingGpuDevice` tells which.
 *  - webgpu: ./backends/webgpu.js (Dawn through the `webgpu` package).
 *  - native-cpu: not a tfjs backend; ./native-cpu/index.js (trainer.ts dispatches to it). No tfjs is loaded.
 *  - wasm (@tensorflow/tfjs-backend-wasm, SIMD, one thread in Node; its batched BatchMatMul replaced by
 *    ./backends/wasm-batch-matmul.ts unless the settings say otherwise), cpu (plain JS, last resort).
 *
 * auto: tensorflow (if its package is installed and loads) -> webgpu (if a GPU device node exists and Dawn
 * finds a hardware adapter on it) -> native-cpu. A backend that cannot exist here is not probed (no import,
 * no Dawn instance: on a machine without a GPU Dawn would print a Vulkan warning on stderr). Every fallback
 * is logged with its reason, and the device actually used is logged. Each choice is made once per thread:
 * later calls reuse it (and make a tfjs backend the active one again).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { FailedPreconditionError, errorMessage } from '../errors.js';
import { gpuDeviceNodes, initWebGpuBackend } from './backends/webgpu.js';
import type { EngineBackend } from './options.js';
import { engineSettings, TFJS_NODE_GPU, type EngineSettings } from './settings.js';

export { TFJS_NODE_GPU };

export interface BackendChoice {
  /** 'tensorflow' | 'webgpu' | 'wasm' | 'cpu' | 'native-cpu' */
  backend: string;
  /** Where it runs, e.g. "GPU (CUDA, tfjs-node-gpu)", "CPU (wasm SIMD, 1 thread)". */
  device: string;
}

export type EngineLog = (msg: string, fields?: Record<string, unknown>) => void;

export interface BackendInitOptions {
  log?: EngineLog;
  settings?: Partial<EngineSettings>;
}

/** tfjs, loaded only for the backends that use it; its console notices (not JSON log lines) are off. */
const tfjs = () => import('@tensorflow/tfjs-core').then((tf) => {
  tf.env().set('PROD', true);
  return tf;
});

/** Whether a package is installed where this module would resolve it (without loading it). */
function installed(specifier: string): boolean {
  const paths = createRequire(import.meta.url).resolve.paths(specifier) ?? [];
  return paths.some((dir) => existsSync(join(dir, specifier, 'package.json')));
}

async function startTensorflow(specifier: string): Promise<BackendChoice> {
  const cannotLoad = (why: string, cause?: unknown) => new FailedPreconditionError(
    `backend "tensorflow": cannot load ${specifier} (${why}). ` +
      `Install it with \`npm install ${TFJS_NODE_GPU}@4.22.0\` (see README, "GPU backend (tfjs-node-gpu)"), or choose backend "auto" or "wasm"`,
    { field: 'backend', cause },
  );
  if (!installed(specifier)) throw cannotLoad('not installed');
  try {
    await import(specifier);
  } catch (err) {
    throw cannotLoad(errorMessage(err).split('\n')[0]!, err);
  }
  const tf = await tfjs();
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
  if (hardwareOnly && !gpuDeviceNodes()) {
    throw new FailedPreconditionError('backend "webgpu": no GPU device here (no /dev/dri/renderD* or /dev/nvidia0)', { field: 'backend' });
  }
  if (!installed('webgpu')) throw new FailedPreconditionError('backend "webgpu": not available (the `webgpu` package is not installed)', { field: 'backend' });
  const r = await initWebGpuBackend(log, { allowSoftware: !hardwareOnly });
  return { backend: 'webgpu', device: r.device };
}

/** Makes wasm or cpu the active tfjs backend (each call: another backend may have become active since). */
async function startTfjs(name: 'wasm' | 'cpu', s: EngineSettings): Promise<BackendChoice> {
  const tf = await tfjs();
  await import(name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu');
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    throw new FailedPreconditionError(`backend "${name}": failed to initialise`, { field: 'backend' });
  }
  await tf.ready();
  if (name === 'cpu') return { backend: name, device: 'CPU (JavaScript)' };
  const bmm = (await import('./backends/wasm-batch-matmul.js')).installWasmBatchMatMul(s.wasmBatchMatMul);
  return { backend: name, device: `CPU (wasm SIMD, 1 thread; BatchMatMul: ${bmm.installed ? 'batch-matmul.wasm' : `stock (${bmm.reason})`})` };
}

const NATIVE_CPU: BackendChoice = { backend: 'native-cpu', device: 'CPU (native-cpu worker threads)' };

/** The backend `auto` resolves to, probed once per thread and module specifier (see the module comment). */
const autoChoice = new Map<string, Promise<EngineBackend>>();

async function probeAuto(s: EngineSettings, log: EngineLog | undefined): Promise<EngineBackend> {
  const attempts: Array<[EngineBackend, () => Promise<unknown>]> = [
    ['tensorflow', () => startTensorflow(s.tensorflowModule)],
    ['webgpu', () => startWebgpu(log, true)],
  ];
  for (const [name, start] of attempts) {
    try {
      await start();
      return name;
    } catch (err) {
      log?.(`engine backend ${name} not available, trying the next: ${errorMessage(err)}`, { backend: name });
    }
  }
  return 'native-cpu';
}

async function start(requested: EngineBackend, s: EngineSettings, log: EngineLog | undefined): Promise<BackendChoice> {
  switch (requested) {
    case 'tensorflow':
      return startTensorflow(s.tensorflowModule);
    case 'webgpu':
      return startWebgpu(log, false);
    case 'wasm':
    case 'cpu':
      return startTfjs(requested, s);
    case 'native-cpu':
      return NATIVE_CPU;
    case 'auto': {
      let chosen = autoChoice.get(s.tensorflowModule);
      if (!chosen) {
        chosen = probeAuto(s, log);
        autoChoice.set(s.tensorflowModule, chosen);
      }
      // tensorflow and webgpu start once per thread (later starts are cheap: they re-activate the backend).
      return start(await chosen, s, log);
    }
    case 'spark':
      throw new FailedPreconditionError('backend "spark" is trained by the service\'s Spark trainer, not the engine', { field: 'backend' });
    default:
      throw new FailedPreconditionError(`unknown backend "${String(requested)}"`, { field: 'backend' });
  }
}

/** Starts the requested backend (for tfjs ones: makes it the active tfjs backend) and logs the device used. */
export async function initBackend(requested: EngineBackend, opts: BackendInitOptions = {}): Promise<BackendChoice> {
  const s = engineSettings(opts.settings);
  const choice = await start(requested, s, opts.log);
  opts.log?.(`engine backend ${choice.backend} on ${choice.device}`, { backend: choice.backend, device: choice.device, requested });
  return choice;
}
