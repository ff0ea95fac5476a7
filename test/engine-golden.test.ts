/**
 * The default objective (regularization_exponent 0, unobserved_weight 1) with the CG solver trains the
 * models the engine trained before the frequency-scaled objective and the subspace solver existed, bit for
 * bit: factors and loss curves against digests written by the engine of that time (test/helpers/als-golden.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_CASES, goldenDigest, type GoldenDigest } from './helpers/als-golden.js';

const golden = JSON.parse(readFileSync(new URL('./fixtures/als-golden.json', import.meta.url), 'utf8')) as Record<string, GoldenDigest>;

describe('default models are unchanged bit for bit', () => {
  it('covers every golden case', () => {
    expect(Object.keys(golden).sort()).toEqual(GOLDEN_CASES.map((c) => c.name).sort());
  });
  for (const c of GOLDEN_CASES) {
    it(c.name, async () => {
      expect(await goldenDigest(c)).toEqual(golden[c.name]);
    }, 180_000);
  }
});
