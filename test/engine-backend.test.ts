import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FailedPreconditionError } from '../src/errors.js';
import { initBackend, TFJS_NODE_GPU } from '../src/engine/backend.js';

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
    const err = await initBackend('tensorflow', { tensorflowModule: '@tensorflow/tfjs-node-gpu-not-here' }).catch((e) => e);
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(err.message).toMatch(/cannot load @tensorflow\/tfjs-node-gpu-not-here/);
  });

  it('"auto" falls back past an absent tensorflow with a log line, and logs the device used', async () => {
    const lines: string[] = [];
    const r = await initBackend('auto', { tensorflowModule: '@tensorflow/tfjs-node-gpu-not-here', log: (m) => lines.push(m) });
    expect(r.backend).not.toBe('tensorflow');
    expect(['webgpu', 'native-cpu', 'wasm', 'cpu']).toContain(r.backend);
    expect(lines[0]).toMatch(/engine backend tensorflow not available, trying the next: .*cannot load/);
    expect(lines.at(-1)).toBe(`engine backend ${r.backend} on ${r.device}`);
  });

  it('wasm and cpu start and say where they run', async () => {
    expect(await initBackend('wasm')).toEqual({ backend: 'wasm', device: 'CPU (wasm SIMD, 1 thread; BatchMatMul: batch-matmul.wasm)' });
    expect(await initBackend('cpu')).toEqual({ backend: 'cpu', device: 'CPU (JavaScript)' });
  });
});
