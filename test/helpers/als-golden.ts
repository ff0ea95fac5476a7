/**
 * Golden digests of trained models, to prove that a change of the engine leaves the default models bit
 * for bit as they were: every backend trains the same small problems with the default objective
 * (regularization_exponent 0, unobserved_weight 1, the CG solver) and the SHA-256 of the factors' bytes
 * and the loss curve's doubles are compared with test/fixtures/als-golden.json.
 *
 * The fixture was written by this file's CLI run in a checkout of the engine BEFORE the frequency-scaled
 * objective existed (commit 9b89593):
 *   git archive 9b89593 | tar -x -C /tmp/golden && cp test/helpers/als-golden.ts /tmp/golden/test/helpers/ &&
 *   (cd /tmp/golden && ln -s /work/main/node_modules && npx tsx test/helpers/als-golden.ts > out.json)
 * so it only uses options and settings that existed there.
 */
import { createHash } from 'node:crypto';
import { compileAlsOptions, type AlsOptions } from '../../src/engine/options.js';
import type { EngineSettings } from '../../src/engine/settings.js';
import { trainAls } from '../../src/engine/trainer.js';
import { skewedPairs } from './engine-data.js';

export interface GoldenCase {
  name: string;
  options: AlsOptions;
  settings: Partial<EngineSettings>;
}

const common = { solver: 'cg', factors: 12, iterations: 3, regularization: 0.5, alpha: 2, cgSteps: 3, seed: 5, progressIntervalMs: 0 };

/**
 * The relaxed-SIMD build is left out: V8 compiles its relaxed multiply-add to a fused one only on CPUs
 * with FMA, so its last bits depend on the machine.
 */
export const GOLDEN_CASES: GoldenCase[] = [
  { name: 'wasm (tensor path)', options: { ...common, backend: 'wasm', workers: 1 }, settings: {} },
  { name: 'cpu (tensor path)', options: { ...common, backend: 'cpu', workers: 1 }, settings: {} },
  { name: 'wasm, 2 shards', options: { ...common, backend: 'wasm', workers: 2, chunkNonzeros: 1024 }, settings: { tensorShardMinNonzeros: 0 } },
  { name: 'native-cpu, JS kernel', options: { ...common, backend: 'native-cpu', workers: 2 }, settings: { nativeCpuKernel: 'js' } },
  { name: 'native-cpu, wasm kernel (plain SIMD)', options: { ...common, backend: 'native-cpu', workers: 2 }, settings: { nativeCpuKernel: 'wasm', relaxedSimd: false } },
];

/** The golden problem: 300 x 200, ~2,800 skewed pairs (heavy rows, popular columns). */
export const goldenMatrix = () => skewedPairs(300, 200, 3000, 17);

export interface GoldenDigest {
  factors: string;
  lossCurve: number[];
}

export async function goldenDigest(c: GoldenCase): Promise<GoldenDigest> {
  const r = await trainAls(goldenMatrix(), compileAlsOptions(c.options), {}, c.settings);
  const h = createHash('sha256');
  for (const f of [r.sourceFactors, r.targetFactors]) h.update(Buffer.from(f.buffer, f.byteOffset, f.byteLength));
  return { factors: h.digest('hex'), lossCurve: r.lossCurve };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const out: Record<string, GoldenDigest> = {};
  for (const c of GOLDEN_CASES) out[c.name] = await goldenDigest(c);
  console.log(JSON.stringify(out, null, 2));
  process.exit(0);
}
