/**
 * Fold-in of one source from interactions given at request time (implicit's `recalculate_user`, exact):
 * the training's row update (als-driver.ts) for a new row u,
 *
 *   x = (alpha0 Y^T Y + lambda_u I + sum_i (c_i - alpha0) y_i y_i^T)^{-1} sum_i c_i y_i,
 *   lambda_u = lambda (n_u + w n)^nu   (regularization.ts; w = alpha0 unless the model sets it)
 *
 * over the n_u distinct known targets i of the given interactions (n the model's target count),
 * c_i = 1 + alpha * w_i (or 1 + alpha * log(1 + w_i / eps) with log scaling); w_i = sum over the
 * interactions with target i of weight (default 1) times the type's multiplier (hyperparameters.typeWeights,
 * default 1) — the same aggregation as training. alpha, lambda, nu, alpha0, w and the scaling come from the
 * model's stored hyperparameters (models stored before nu and alpha0 existed: 0 and 1); Y^T Y is cached per
 * loaded model, so a fold-in costs O(n_u k^2 + k^3). Solved in float64 (Cholesky).
 *
 * Interactions whose target the model does not know are ignored (they have no factors); `known`
 * counts the ones used. Weights must be finite and > 0.
 */
import { confidences } from '../../engine/confidence.js';
import { choleskySolve } from '../../engine/cholesky.js';
import { rowLambda } from '../../engine/regularization.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../errors.js';
import type { FoldInInteraction__Output } from '../../gen/recommender/v1/FoldInInteraction.js';
import type { ServedModel } from '../models/served-model.js';

export const MAX_FOLD_IN_INTERACTIONS = 10_000;

export interface FoldInResult {
  x: Float64Array;
  /** Target indices of the used interactions, ascending (excluded from results when exclude_seen). */
  seen: Int32Array;
  known: number;
  ignored: number;
}

function hyper(served: ServedModel) {
  const h = served.model.meta.hyperparameters;
  return {
    alpha: h.alpha, logScaling: h.logScaling, logEpsilon: h.logEpsilon, typeWeights: h.typeWeights,
    reg: {
      regularization: h.regularization, regularizationExponent: h.regularizationExponent ?? 0, unobservedWeight: h.unobservedWeight ?? 1,
      regularizationFrequencyWeight: h.regularizationFrequencyWeight,
    },
  };
}

export function validateFoldInInteractions(list: readonly FoldInInteraction__Output[]): void {
  if (list.length > MAX_FOLD_IN_INTERACTIONS) {
    throw new InvalidArgumentError(`interactions lists ${list.length} entries; at most ${MAX_FOLD_IN_INTERACTIONS}`, { field: 'interactions' });
  }
  list.forEach((it, j) => {
    if (!it.target_id) throw new InvalidArgumentError(`interactions[${j}].target_id must not be empty`, { field: `interactions[${j}].target_id` });
    if (it.weight !== undefined && it.weight !== null && !(Number.isFinite(Number(it.weight)) && Number(it.weight) > 0)) {
      throw new InvalidArgumentError(`interactions[${j}].weight must be a finite number > 0, got ${it.weight}`, { field: `interactions[${j}].weight` });
    }
  });
}

export function foldIn(served: ServedModel, list: readonly FoldInInteraction__Output[]): FoldInResult {
  const { alpha, reg, logScaling, logEpsilon, typeWeights } = hyper(served);
  const w = new Map<number, number>();
  let ignored = 0;
  for (const it of list) {
    const i = served.targetIndex.get(it.target_id);
    if (i === undefined) { ignored++; continue; }
    const mult = it.type && typeof typeWeights[it.type] === 'number' ? typeWeights[it.type]! : 1;
    w.set(i, (w.get(i) ?? 0) + (it.weight === undefined || it.weight === null ? 1 : Number(it.weight)) * mult);
  }
  const seen = Int32Array.from(w.keys()).sort();
  const k = served.k;
  const x = new Float64Array(k);
  if (seen.length === 0) return { x, seen, known: 0, ignored };
  const weights = Float64Array.from(seen, (i) => w.get(i)!);
  const conf = confidences(weights, alpha, logScaling, logEpsilon);
  const Y = served.model.targetFactors;
  const alpha0 = reg.unobservedWeight;
  const lambda = rowLambda(reg, seen.length, served.targetCount);
  const a = Float64Array.from(served.gramian());
  if (alpha0 !== 1) for (let q = 0; q < k * k; q++) a[q]! *= alpha0;
  for (let d = 0; d < k; d++) a[d * k + d] += lambda;
  for (let j = 0; j < seen.length; j++) {
    const o = seen[j]! * k;
    const c = conf[j]!;
    for (let p = 0; p < k; p++) {
      const yp = Y[o + p]!;
      x[p] += c * yp; // Y^T C p
      const s = (c - alpha0) * yp;
      for (let q = 0; q < k; q++) a[p * k + q] += s * Y[o + q]!; // sum (c_i - alpha0) y_i y_i^T
    }
  }
  if (!choleskySolve(a, x, k)) {
    throw new FailedPreconditionError('fold-in: the system is not positive definite (model trained with regularization 0?)', { field: 'interactions' });
  }
  return { x, seen, known: seen.length, ignored };
}
