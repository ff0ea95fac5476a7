import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FailedPreconditionError } from '../src/errors.js';
import { initBackend, TFJS_NODE_GPU } from '../src/engine/backend.js';
import { gpuDeviceNodes } from '../src/engine/backends/webgpu.js';

const tfjsNodeGpuInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve(TFJS_NODE_GPU);
    return true;
  } catch {
    return false;
  }
})();

describe('engine backend selection', () => {
  it('explicit "tensorflow" without tfjs-node-gpu fails with a clear error (or loads it when installed)', async () => {
    const lines: string[] = [];
    const r = initBackend('tensorflow', { log: (m) => lines.push(m) });
    if (tfjsNodeGpuInstalled) {
      await expect(r).resolves.toMatchObject({ backend: 'tensorflow' });
      expect(lines.join('\n')).toMatch(/engine backend tensorflow on (GPU|CPU)/);
      return;
    }
    const err = await r.catch((e) => e);
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(err.field).toBe('backend');
    expect(err.message).toContain(`npm install ${TFJS_NODE_GPU}@4.22.0`);
  });

  it('a tensorflow module that cannot load is reported the same way', async () => {
    const err = await initBackend('tensorflow', { settings: { tensorflowModule: '@tensorflow/tfjs-node-gpu-not-here' } }).catch((e) => e);
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(err.message).toMatch(/cannot load @tensorflow\/tfjs-node-gpu-not-here/);
  });

  it('"auto" falls back past an absent tensorflow with a log line, and logs the device used', async () => {
    const lines: string[] = [];
    const r = await initBackend('auto', { settings: { tensorflowModule: '@tensorflow/tfjs-node-gpu-not-here' }, log: (m) => lines.push(m) });
    expect(r.backend).not.toBe('tensorflow');
    expect(['webgpu', 'native-cpu', 'wasm', 'cpu']).toContain(r.backend);
    expect(lines[0]).toMatch(/engine backend tensorflow not available, trying the next: .*cannot load/);
    expect(lines.at(-1)).toBe(`engine backend ${r.backend} on ${r.device}`);
  });

  it('wasm and cpu start and say where they run', async () => {
    expect(await initBackend('wasm')).toEqual({ backend: 'wasm', device: 'CPU (wasm SIMD, 1 thread; BatchMatMul: batch-matmul.wasm)' });
    expect(await initBackend('cpu')).toEqual({ backend: 'cpu', device: 'CPU (JavaScript)' });
  });

  it('"auto" probes once per process, and only backends that can exist here (no GPU: no Dawn, nothing on stderr)', async () => {
    // A fresh process, as a server's training worker is: what auto loads and prints is what a user sees.
    const code =
      "import { initBackend } from './src/engine/backend.ts';" +
      "const lines = []; const log = (m) => lines.push(m);" +
      "const a = await initBackend('auto', { log }); const n = lines.length; const b = await initBackend('auto', { log });" +
      "const loaded = Object.keys(await import('node:module').then((m) => m.createRequire(import.meta.url).cache));" +
      "console.log(JSON.stringify({ a, b, first: lines.slice(0, n), second: lines.slice(n), dawn: loaded.some((p) => p.includes('dawn.node')) }));";
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: process.cwd() });
    const r = JSON.parse(stdout.trim());
    expect(r.b).toEqual(r.a);
    expect(r.second).toEqual([`engine backend ${r.a.backend} on ${r.a.device}`]); // no probing the second time
    if (!gpuDeviceNodes()) {
      expect(r.a.backend).toBe('native-cpu');
      expect(r.first.some((l: string) => /engine backend webgpu not available, trying the next: .*no GPU device here/.test(l))).toBe(true);
      expect(r.dawn).toBe(false);
      expect(stderr).toBe('');
    } else {
      // A GPU machine: webgpu was probed (hardware adapters only), and the choice names its device.
      expect(['tensorflow', 'webgpu', 'native-cpu']).toContain(r.a.backend);
      expect(r.first.at(-1)).toBe(`engine backend ${r.a.backend} on ${r.a.device}`);
    }
  }, 180_000);
});
