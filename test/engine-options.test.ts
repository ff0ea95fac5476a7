import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { compileServerOptions, optionsFromEnv } from '../src/config.js';
import { ALS_DEFAULTS, compileAlsOptions, resolveSolver, HYBRID_MIN_FACTORS } from '../src/engine/options.js';
import { extraLambdas, frequencyWeight, rowLambda } from '../src/engine/regularization.js';
import { ENGINE_SETTINGS_DEFAULTS } from '../src/engine/settings.js';

describe('compileAlsOptions', () => {
  it('applies the defaults', () => {
    const o = compileAlsOptions({});
    expect(o).toMatchObject({ factors: ALS_DEFAULTS.factors, regularization: ALS_DEFAULTS.regularization, alpha: 1, cgSteps: 3, backend: 'auto', logScaling: false });
    expect(o.workers).toBeGreaterThanOrEqual(1);
    expect(o).toMatchObject({ regularizationExponent: 0, unobservedWeight: 1, solver: ALS_DEFAULTS.solver, blockSize: ALS_DEFAULTS.blockSize });
    expect(compileAlsOptions({ regularizationExponent: 1, unobservedWeight: 0, regularization: 0.1 })).toMatchObject({ regularizationExponent: 1, unobservedWeight: 0 });
  });

  it('row regularization lambda (n + alpha0 N)^nu overflowing float32 is refused naming regularization_exponent', () => {
    const o = compileAlsOptions({ regularization: 1e30, regularizationExponent: 2 });
    let err: unknown;
    try { extraLambdas(o, Int32Array.from([0, 3]), 1e6); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).field).toBe('hyperparameters.regularization_exponent');
    expect(rowLambda(compileAlsOptions({ regularization: 2, regularizationExponent: 1, unobservedWeight: 0.5 }), 3, 10)).toBe(16);
    expect(rowLambda(compileAlsOptions({ regularization: 2 }), 3, 10)).toBe(2);
  });

  it("solver auto resolves per backend and rank (bench/README.md 'Row solvers'); an explicit solver is obeyed", () => {
    expect(compileAlsOptions({}).solver).toBe('auto');
    expect(resolveSolver(compileAlsOptions({ factors: HYBRID_MIN_FACTORS }), 'native-cpu')).toBe('hybrid');
    expect(resolveSolver(compileAlsOptions({ factors: 256 }), 'native-cpu')).toBe('hybrid');
    expect(resolveSolver(compileAlsOptions({ factors: HYBRID_MIN_FACTORS - 1 }), 'native-cpu')).toBe('pcg');
    expect(resolveSolver(compileAlsOptions({}), 'native-cpu')).toBe('pcg');
    // with per-row regularization auto is cg at every rank
    expect(resolveSolver(compileAlsOptions({ factors: 256, regularizationExponent: 0.5 }), 'native-cpu')).toBe('cg');
    for (const backend of ['wasm', 'cpu', 'tensorflow', 'webgpu']) expect(resolveSolver(compileAlsOptions({ factors: 256 }), backend)).toBe('cg');
    expect(resolveSolver(compileAlsOptions({ factors: 256, solver: 'cg' }), 'native-cpu')).toBe('cg');
    expect(resolveSolver(compileAlsOptions({ factors: 8, solver: 'subspace' }), 'wasm')).toBe('subspace');
    // hybrid = pcg with native-cpu's exact short-row solves: the tensor path runs (and records) its pcg part; with
    // per-row regularization both are cg
    expect(resolveSolver(compileAlsOptions({ factors: 64, solver: 'hybrid' }), 'native-cpu')).toBe('hybrid');
    for (const backend of ['wasm', 'cpu', 'tensorflow', 'webgpu']) expect(resolveSolver(compileAlsOptions({ factors: 64, solver: 'hybrid' }), backend)).toBe('pcg');
    for (const backend of ['native-cpu', 'wasm']) expect(resolveSolver(compileAlsOptions({ factors: 64, solver: 'hybrid', regularizationExponent: 0.5 }), backend)).toBe('cg');
    // pcg runs on every backend; with per-row regularization (nu != 0) there is no one shared A0 to precondition by: cg
    for (const backend of ['native-cpu', 'wasm', 'cpu', 'tensorflow', 'webgpu']) {
      expect(resolveSolver(compileAlsOptions({ factors: 64, solver: 'pcg' }), backend)).toBe('pcg');
      expect(resolveSolver(compileAlsOptions({ factors: 64, solver: 'pcg', regularizationExponent: 0.5 }), backend)).toBe('cg');
      expect(resolveSolver(compileAlsOptions({ factors: 64, solver: 'pcg', regularizationExponent: 1, regularizationFrequencyWeight: 0 }), backend)).toBe('cg');
    }
  });

  it('regularization_frequency_weight: unset it follows unobserved_weight; set, it alone weights N (Spark: lambda n_u with the whole Gram term)', () => {
    const coupled = compileAlsOptions({ regularization: 2, regularizationExponent: 1, unobservedWeight: 0.5 });
    expect(coupled.regularizationFrequencyWeight).toBeUndefined();
    expect(frequencyWeight(coupled)).toBe(0.5);
    const spark = compileAlsOptions({ regularization: 2, regularizationExponent: 1, regularizationFrequencyWeight: 0 });
    expect(spark).toMatchObject({ regularizationExponent: 1, unobservedWeight: 1, regularizationFrequencyWeight: 0 });
    expect(rowLambda(spark, 3, 10)).toBe(6); // 2 * 3
    expect(rowLambda(compileAlsOptions({ regularization: 2, regularizationExponent: 1, unobservedWeight: 0.5, regularizationFrequencyWeight: 0.2 }), 3, 10)).toBe(10); // 2 * (3 + 2)
    expect(rowLambda(compileAlsOptions({ regularization: 2, regularizationExponent: 1 }), 3, 10)).toBe(26); // 2 * (3 + 10)
    // with nu = 0 it changes nothing
    expect(rowLambda(compileAlsOptions({ regularization: 2, regularizationFrequencyWeight: 0 }), 3, 10)).toBe(2);
    const huge = compileAlsOptions({ regularization: 1, regularizationExponent: 2, regularizationFrequencyWeight: 1e200 });
    let err: unknown;
    try { extraLambdas(huge, Int32Array.from([0, 3]), 10); } catch (e) { err = e; }
    expect((err as InvalidArgumentError).message).toMatch(/regularization_frequency_weight/);
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
    [{ regularizationExponent: -0.1 }, 'hyperparameters.regularization_exponent'],
    [{ regularizationExponent: 2.5 }, 'hyperparameters.regularization_exponent'],
    [{ unobservedWeight: -1 }, 'hyperparameters.unobserved_weight'],
    [{ unobservedWeight: 1.5 }, 'hyperparameters.unobserved_weight'],
    [{ unobservedWeight: 0, regularization: 0 }, 'hyperparameters.unobserved_weight'],
    [{ regularizationFrequencyWeight: -0.5 }, 'hyperparameters.regularization_frequency_weight'],
    [{ regularizationFrequencyWeight: Infinity }, 'hyperparameters.regularization_frequency_weight'],
    [{ solver: 'newton' }, 'hyperparameters.solver'],
    [{ blockSize: 0 }, 'hyperparameters.block_size'],
    [{ blockSize: 1025 }, 'hyperparameters.block_size'],
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
