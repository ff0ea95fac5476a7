/**
 * The `webgpu` backend: @tensorflow/tfjs-backend-webgpu running on Dawn through the `webgpu` npm package.
 *
 * How it starts in Node (see shared NOTES.md, "TensorFlow.js backends"):
 * 1. Dawn is loaded (`create(flags)` from `webgpu`) and exposed as `globalThis.navigator.gpu` BEFORE the
 *    tfjs backend package is imported (the package registers its factory only when `navigator.gpu` exists).
 * 2. We pick the adapter ourselves, because the package's own factory asks for a core-feature-level adapter
 *    only, and the one path that runs without a GPU (Mesa llvmpipe via Dawn's OpenGL ES backend) answers
 *    only to `featureLevel: 'compatibility'`. Order tried:
 *      a. Dawn's default backend (Vulkan on Linux; needs libvulkan1 + the driver's ICD, e.g. NVIDIA's
 *         `nvidia_icd.json` that the NVIDIA container runtime mounts with the `graphics` capability);
 *      b. `backend=opengles` with `featureLevel: 'compatibility'` (EGL_PLATFORM=surfaceless; Mesa's
 *         llvmpipe here: a software adapter, correct but slow; good for tests, never picked by `auto`).
 * 3. We replace the package's factory with one that wraps the chosen device (same device limits it would
 *    request), then `setBackend('webgpu')`.
 *
 * Reading tensors: only `await t.data()` works on this backend (`dataSync` throws), so the engine reads
 * results asynchronously on every backend.
 */
import { existsSync, readdirSync } from 'node:fs';
import type * as TfCore from '@tensorflow/tfjs-core';
import { FailedPreconditionError, errorMessage } from '../../errors.js';

export type WebGpuLog = (msg: string, fields?: Record<string, unknown>) => void;

/** What Dawn reported about the adapter we use. */
export interface WebGpuAdapterSummary {
  /** Dawn backend the adapter came from: 'vulkan' (default on Linux) or 'opengles'. */
  dawnBackend: 'default' | 'opengles';
  featureLevel: 'core' | 'compatibility';
  vendor: string;
  architecture: string;
  /** The adapter's device name, e.g. "NVIDIA H200" or "llvmpipe (LLVM 15.0.6, 256 bits)". */
  device: string;
  description: string;
  /** A CPU implementation (llvmpipe, lavapipe, SwiftShader, softpipe, WARP) or Dawn's fallback adapter. */
  software: boolean;
}

export interface WebGpuInitResult {
  backend: 'webgpu';
  /** e.g. "GPU: NVIDIA H200 (webgpu/vulkan)" or "software: llvmpipe ... (webgpu/opengles)". */
  device: string;
  software: boolean;
  adapter: WebGpuAdapterSummary;
  /** Device limits that bound one tensor: a chunk's [B, L, k] float32 block must fit in a storage binding. */
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

export interface WebGpuOptions {
  /** Accept a software adapter (llvmpipe). Default true: an explicit `webgpu` request runs there too (slowly). */
  allowSoftware?: boolean;
  /** Try the OpenGL ES path when the default backend has no adapter. Default true. */
  tryOpenGles?: boolean;
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|swrast|software|\bwarp\b|microsoft basic render/i;

interface Found {
  adapter: GPUAdapter;
  gpu: GPU;
  summary: WebGpuAdapterSummary;
}

let dawn: Promise<typeof import('webgpu')> | undefined;
/** GPU objects per Dawn flag set: created once per process (each `create` starts a Dawn instance). */
const instances = new Map<string, GPU>();
let initialised: Promise<WebGpuInitResult> | undefined;

async function loadDawn(): Promise<typeof import('webgpu')> {
  dawn ??= import('webgpu').then((m) => {
    // Dawn's WebGPU classes (GPUBufferUsage, GPUShaderStage, ...) are used as globals by the tfjs backend.
    for (const [k, v] of Object.entries(m.globals as Record<string, unknown>)) {
      if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true });
    }
    return m;
  });
  return dawn;
}

function instance(create: (flags: string[]) => GPU, flags: string[]): GPU {
  const key = flags.join(' ');
  let gpu = instances.get(key);
  if (!gpu) {
    gpu = create(flags);
    instances.set(key, gpu);
  }
  return gpu;
}

function summarise(adapter: GPUAdapter, dawnBackend: WebGpuAdapterSummary['dawnBackend'], featureLevel: WebGpuAdapterSummary['featureLevel']): WebGpuAdapterSummary {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const description = info?.description ?? '';
  // Dawn puts the human-readable name in `device` on Vulkan and in `description`/`device` (dashed) on GLES.
  const device = (info?.device || description || 'unknown adapter').trim();
  const fallback = Boolean((adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter);
  const software = fallback || SOFTWARE.test(`${vendor} ${architecture} ${device} ${description}`);
  return { dawnBackend, featureLevel, vendor, architecture, device, description, software };
}

async function requestAdapter(gpu: GPU, options: GPURequestAdapterOptions & { featureLevel?: string }): Promise<GPUAdapter | null> {
  try {
    return await gpu.requestAdapter(options as GPURequestAdapterOptions);
  } catch {
    return null;
  }
}

/**
 * Every adapter Dawn offers, hardware first. Never throws: a missing libvulkan / EGL just yields fewer
 * adapters (Dawn prints a warning on stderr). Each Dawn backend is probed once per process.
 */
export async function probeWebGpuAdapters(options: WebGpuOptions = {}): Promise<WebGpuAdapterSummary[]> {
  return (await probe(options)).map((f) => f.summary);
}

let probedDefault: Promise<Found | undefined> | undefined;
let probedGles: Promise<Found | undefined> | undefined;

/** Whether a GPU is there to drive: a DRM render node or the NVIDIA driver's device files. */
export function gpuDeviceNodes(): boolean {
  try {
    return readdirSync('/dev/dri').some((n) => n.startsWith('renderD')) || existsSync('/dev/nvidia0');
  } catch {
    return existsSync('/dev/nvidia0');
  }
}

async function probe(options: WebGpuOptions): Promise<Found[]> {
  let m: typeof import('webgpu');
  try {
    m = await loadDawn();
  } catch {
    return []; // the `webgpu` package (or its prebuilt dawn.node for this platform) is missing
  }
  probedDefault ??= (async () => {
    const gpu = instance(m.create, []);
    const a = await requestAdapter(gpu, { powerPreference: 'high-performance' });
    return a ? { adapter: a, gpu, summary: summarise(a, 'default', 'core') } : undefined;
  })();
  const found: Found[] = [];
  const d = await probedDefault;
  if (d) found.push(d);
  // Software GLES is of no use when software is refused and no GPU device node exists: skip starting llvmpipe.
  const glesUseful = options.allowSoftware !== false || gpuDeviceNodes();
  if (options.tryOpenGles !== false && (glesUseful || probedGles)) {
    probedGles ??= (async () => {
      // Mesa's EGL needs a platform without a display server.
      process.env.EGL_PLATFORM ??= 'surfaceless';
      const gpu = instance(m.create, ['backend=opengles']);
      const g = await requestAdapter(gpu, { powerPreference: 'high-performance', featureLevel: 'compatibility' });
      return g ? { adapter: g, gpu, summary: summarise(g, 'opengles', 'compatibility') } : undefined;
    })();
    const g = await probedGles;
    if (g) found.push(g);
  }
  // Hardware before software; within each, the default (Vulkan) backend before GLES.
  return found.sort((x, y) => Number(x.summary.software) - Number(y.summary.software));
}

export function describeAdapter(a: WebGpuAdapterSummary): string {
  const where = a.dawnBackend === 'default' ? 'vulkan' : a.dawnBackend;
  return `${a.software ? 'software' : 'GPU'}: ${a.device}${a.vendor ? ` [${a.vendor}]` : ''} (webgpu/${where})`;
}

/**
 * Makes `webgpu` the active tfjs backend on the best adapter Dawn offers and says which one.
 * Throws FailedPreconditionError (field `backend`) when there is no usable adapter, naming what to install.
 * Idempotent: later calls return the first result (and make `webgpu` active again).
 */
export async function initWebGpuBackend(log?: WebGpuLog, options: WebGpuOptions = {}): Promise<WebGpuInitResult> {
  initialised ??= start(log, options).catch((err) => {
    initialised = undefined;
    throw err;
  });
  const result = await initialised;
  const tf = await import('@tensorflow/tfjs-core');
  if (tf.getBackend() !== 'webgpu') await tf.setBackend('webgpu');
  return result;
}

async function start(log: WebGpuLog | undefined, options: WebGpuOptions): Promise<WebGpuInitResult> {
  const all = await probe(options);
  const allowSoftware = options.allowSoftware !== false;
  const chosen = all.find((f) => allowSoftware || !f.summary.software);
  if (!chosen) {
    const seen = all.map((f) => describeAdapter(f.summary)).join('; ');
    throw new FailedPreconditionError(
      all.length === 0
        ? `backend "webgpu": no ${allowSoftware ? '' : 'hardware '}WebGPU adapter found. On an NVIDIA GPU install libvulkan1 and run with ` +
            'the driver\'s Vulkan ICD (NVIDIA container runtime: NVIDIA_DRIVER_CAPABILITIES must include "graphics"); without a GPU ' +
            'install Mesa (libegl-dev libegl-mesa0 libgl1-mesa-dri) for the software adapter, or choose backend "wasm"'
        : `backend "webgpu": no hardware WebGPU adapter found, only software ones (${seen}), which are not allowed here`,
      { field: 'backend' },
    );
  }
  const { adapter, gpu, summary } = chosen;
  // The tfjs package registers its factory at import time only if navigator.gpu exists.
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (!nav) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, writable: true, configurable: true });
  else if (!nav.gpu) nav.gpu = gpu;

  const tf: typeof TfCore = await import('@tensorflow/tfjs-core');
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');

  // Same device request as the package's own factory, on our adapter.
  const limits = adapter.limits;
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
  } catch (err) {
    throw new FailedPreconditionError(`backend "webgpu": the adapter ${describeAdapter(summary)} refused a device: ${errorMessage(err)}`, {
      field: 'backend',
      cause: err,
    });
  }
  device.lost.then((info) => {
    if (info.reason !== 'destroyed') log?.('webgpu device lost', { reason: info.reason, message: info.message });
  });
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  tf.removeBackend('webgpu'); // the package's factory (core-level adapter only); a no-op if it never registered
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 3);
  const ok = await tf.setBackend('webgpu');
  if (!ok) throw new FailedPreconditionError(`backend "webgpu": tfjs could not start on ${describeAdapter(summary)}`, { field: 'backend' });

  const result: WebGpuInitResult = {
    backend: 'webgpu',
    device: describeAdapter(summary),
    software: summary.software,
    adapter: summary,
    limits: { maxBufferSize: device.limits.maxBufferSize, maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize },
  };
  log?.('webgpu backend ready', {
    device: result.device,
    software: summary.software,
    vendor: summary.vendor,
    architecture: summary.architecture,
    description: summary.description,
    featureLevel: summary.featureLevel,
    maxBufferSize: limits.maxBufferSize,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  });
  if (summary.software) log?.('webgpu runs on a software adapter (CPU emulation): correct but slow; use wasm for CPU training', { device: result.device });
  return result;
}
