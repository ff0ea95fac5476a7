/**
 * Engine quality on MovieLens latest-small (issue 3): seeded random 80/20 per-interaction split,
 * confidence 1 + alpha * rating, precision@10 (hits / min(10, |test items|), as benfred/implicit) and
 * NDCG@10 from src/service/evaluation, for
 *   - the tensor engine with the engine defaults (src/engine/options.ts) on the chosen backends,
 *   - the exact float64 reference (src/engine/reference.ts) with the anchor settings
 *     (factors 32, alpha 1, regularization 10, 10 iterations),
 *   - the most-popular baseline.
 *
 * Usage: npx tsx bench/quality.ts [--data ../shared/data/ml-latest-small/ratings.csv] [--seed 42] [--backends wasm,native-cpu]
 *        [--solvers cg,subspace:4] (row solvers of the engine rows, `solver[:block_size]`; default: the engine's) [--factors K]
 */
import { readFileSync } from 'node:fs';
import { compileAlsOptions, type AlsOptions } from '../src/engine/options.js';
import { referenceAls } from '../src/engine/reference.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { evaluateHoldout } from '../src/service/evaluation/evaluate.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

/** ratings.csv (userId,movieId,rating,timestamp) -> CSR users x movies with w = rating (pairs are unique there; summed if not). */
export function readRatings(path: string): CsrMatrix {
  const lines = readFileSync(path, 'utf8').split('\n');
  const users = new Map<string, number>(), items = new Map<string, number>();
  const rows: Map<number, number>[] = [];
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l];
    if (!line) continue;
    const [u, i, r] = line.split(',');
    if (!users.has(u)) { users.set(u, users.size); rows.push(new Map()); }
    if (!items.has(i)) items.set(i, items.size);
    const row = rows[users.get(u)!], c = items.get(i)!;
    row.set(c, (row.get(c) ?? 0) + Number(r));
  }
  const indptr = new Int32Array(users.size + 1);
  const indices: number[] = [], data: number[] = [];
  rows.forEach((row, r) => {
    for (const [c, w] of [...row.entries()].sort((a, b) => a[0] - b[0])) { indices.push(c); data.push(w); }
    indptr[r + 1] = indices.length;
  });
  return { rows: users.size, cols: items.size, indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) };
}

const fmt = (x: number) => x.toFixed(4);

async function main() {
  const path = arg('data', new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url).pathname);
  const seed = Number(arg('seed', '42'));
  const backends = arg('backends', 'wasm').split(',');
  const factors = arg('factors', '');
  const solvers = arg('solvers', '').split(',').filter(Boolean).map((x) => x.split(':'));
  if (!solvers.length) solvers.push([]);
  const m = readRatings(path);
  console.log(`ml-latest-small: ${m.rows} users, ${m.cols} items, ${m.indices.length} ratings; split seed ${seed}, holdout 0.2, k 10`);
  const rows: string[] = ['| model | settings | P@10 | NDCG@10 | train s |', '|---|---|---|---|---|'];
  let baseline: { precision_at_k: number; ndcg_at_k: number } | undefined;
  for (const backend of backends) for (const [solver, block] of solvers) {
    const o: AlsOptions = { backend, solver, ...(block ? { blockSize: Number(block) } : {}), ...(factors ? { factors: Number(factors) } : {}) };
    const c = compileAlsOptions(o);
    let seconds = 0, ran = c.solver;
    const ev = await evaluateHoldout(m, { holdoutFraction: 0.2, seed }, async (train) => {
      const r = await trainAls(train, c);
      seconds = r.seconds;
      ran = r.solver ?? ran;
      return r;
    });
    baseline = ev.baseline;
    const how = ran === 'subspace' ? `subspace b=${c.blockSize}` : `${c.cgSteps} CG`;
    rows.push(`| engine${o.solver || factors ? '' : ' defaults'} on ${backend} | factors ${c.factors}, reg ${c.regularization}, alpha ${c.alpha}, ${c.iterations} it, ${how} | ${fmt(ev.model.precision_at_k)} | ${fmt(ev.model.ndcg_at_k)} | ${seconds.toFixed(1)} |`);
    console.log(rows.at(-1));
  }
  const anchor = compileAlsOptions({ factors: 32, alpha: 1, regularization: 10, iterations: 10 });
  const t0 = performance.now();
  const ev = await evaluateHoldout(m, { holdoutFraction: 0.2, seed }, async (train) => {
    const r = referenceAls(train, anchor);
    return { sourceFactors: Float32Array.from(r.sourceFactors), targetFactors: Float32Array.from(r.targetFactors), factors: anchor.factors };
  });
  rows.push(`| float64 reference (exact solves) | factors 32, reg 10, alpha 1, 10 it | ${fmt(ev.model.precision_at_k)} | ${fmt(ev.model.ndcg_at_k)} | ${((performance.now() - t0) / 1000).toFixed(1)} |`);
  baseline = ev.baseline;
  rows.push(`| most popular | - | ${fmt(baseline.precision_at_k)} | ${fmt(baseline.ndcg_at_k)} | - |`);
  console.log(rows.join('\n'));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
