import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { ALS_DEFAULTS, compileAlsOptions } from '../src/engine/options.js';

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
