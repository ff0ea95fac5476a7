import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { compileServerOptions, optionsFromEnv } from '../src/config.js';
import { ALS_DEFAULTS, compileAlsOptions } from '../src/engine/options.js';
import { ENGINE_SETTINGS_DEFAULTS } from '../src/engine/settings.js';

describe('compileAlsOptions', () => {
  it('applies the defaults', () => {
    const o = compileAlsOptions({});
    expect(o).toMatchObject({ factors: ALS_DEFAULTS.factors, regularization: ALS_DEFAULTS.regularization, alpha: 1, cgSteps: 3, backend: 'auto', logScaling: false });
    expect(o.workers).toBeGreaterThanOrEqual(1);
  });

  const bad: Array<[Record<string, unknown>, string]> = [
    [{ factors: 0 }, 'hyperparameters.factors'],
    [{ factors: 1025 }, 'hyperparameters.factors'],
    [{ factors: 2.5 }, 'hyperparameters.factors'],
    [{ regularization: -1 }, 'hyperparameters.regularization'],
    [{ regularization: Infinity }, 'hyperparameters.regularization'],
    [{ alpha: Number.NaN }, 'hyperparameters.alpha'],
    [{ iterations: 0 }, 'hyperparameters.iterations'],
    [{ iterations: 1001 }, 'hyperparameters.iterations'],
    [{ cgSteps: 0 }, 'hyperparameters.cg_steps'],
    [{ seed: -1 }, 'hyperparameters.seed'],
    [{ seed: 2 ** 32 }, 'hyperparameters.seed'],
    [{ logEpsilon: 0 }, 'hyperparameters.log_epsilon'],
    [{ backend: 'cuda' }, 'hyperparameters.backend'],
    [{ workers: 0 }, 'hyperparameters.workers'],
  ];
  it.each(bad)('rejects %j naming the field', (input, field) => {
    let err: unknown;
    try {
      compileAlsOptions(input as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toBe(field);
  });
});

describe('engine settings (config.ts reads them; the engine never reads the environment)', () => {
  it('come from the environment variables, merge layer by layer, and default otherwise', () => {
    expect(compileServerOptions(optionsFromEnv({})).engine).toEqual(ENGINE_SETTINGS_DEFAULTS);
    const env = { RECOMMENDER_WASM_BATCH_MATMUL: '0', NATIVE_CPU_KERNEL: 'js', NATIVE_CPU_RELAXED_SIMD: '0' };
    expect(compileServerOptions(optionsFromEnv(env)).engine).toMatchObject({ wasmBatchMatMul: false, nativeCpuKernel: 'js', relaxedSimd: false });
    // a later layer that sets one setting keeps the others
    const merged = compileServerOptions(optionsFromEnv(env), { engine: { nativeCpuKernel: 'wasm' } }).engine;
    expect(merged).toMatchObject({ wasmBatchMatMul: false, nativeCpuKernel: 'wasm', relaxedSimd: false });
  });

  it('refuses an unknown NATIVE_CPU_KERNEL naming the variable', () => {
    let err: unknown;
    try { optionsFromEnv({ NATIVE_CPU_KERNEL: 'gpu' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toBe('NATIVE_CPU_KERNEL');
  });
});
