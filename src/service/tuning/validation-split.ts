/**
 * The tuning's validation split, carved out of the training selection so that the search never sees the
 * pairs an evaluation tests on (issue 13 item 4):
 *
 *   1. with `evaluation`, its test pairs are taken out first, by the evaluation's own split function and
 *      seed (evaluation/split.ts splitHoldout), so they are exactly the pairs the evaluate step holds out;
 *   2. from what remains, each source's validation pairs are drawn (splitValidation): round(f n_u) of its
 *      n_u pairs, rounded at random so that the share is f on average, never all of them (a source keeps
 *      at least one training pair), chosen uniformly within the row by a generator seeded with `seed`;
 *   3. the trials train on the rest and are ranked against the validation pairs.
 *
 * The final model trains on the whole selection and the evaluation on everything but its test pairs, as
 * without tuning. Only a seeded sample of sources gives validation pairs (the others keep all theirs for
 * training), so that ranking them at every checkpoint stays cheap on large data: at most
 * validationSourceCap(targets) of them, 2e8 scores per checkpoint (1,000 to 20,000 sources; the ranking
 * runs on the serving's SIMD kernel, evaluation/metrics.ts `simd`). Fewer sources make the validation
 * metric too noisy to tell settings apart: on the planted play counts (6,000 sources, 10,000 targets) a
 * sample of 2,000 ranked the grid's best cell 0.2% below the data-aware defaults, all 6,000 ranked it
 * 1.5% above (on test it is 1.6% above).
 */
import type { CsrMatrix } from '../../engine/types.js';
import { mulberry32 } from '../../util/random.js';
import { testCounts } from '../evaluation/metrics.js';
import { splitByMask, splitHoldout } from '../evaluation/split.js';
import type { SplitCounts } from './tuning-protocol.js';

/** Sources that give validation pairs, at most: a checkpoint ranks them against every target (2e8 scores), 1,000 to 20,000. */
export function validationSourceCap(targets: number): number {
  return Math.max(1000, Math.min(20_000, Math.floor(2e8 / Math.max(1, targets))));
}

/**
 * Per-source validation split (step 2 of the module comment): for each source with n_u >= 2 pairs,
 * floor(f n_u) pairs plus one more with probability frac(f n_u), at most n_u - 1, drawn without
 * replacement within the row. Same matrix, fraction and seed -> the same split.
 */
export function splitValidation(csr: CsrMatrix, fraction: number, seed: number, maxSources = validationSourceCap(csr.cols)): { train: CsrMatrix; validation: CsrMatrix } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`validation fraction must be in (0, 1), got ${fraction}`);
  const rand = mulberry32(seed);
  const eligible: number[] = [];
  for (let r = 0; r < csr.rows; r++) if (csr.indptr[r + 1]! - csr.indptr[r]! >= 2) eligible.push(r);
  // A seeded sample of the eligible sources (partial Fisher-Yates), in row order.
  if (eligible.length > maxSources) {
    for (let i = 0; i < maxSources; i++) {
      const j = i + Math.floor(rand() * (eligible.length - i));
      [eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!];
    }
    eligible.length = maxSources;
    eligible.sort((a, b) => a - b);
  }
  const toValidation = new Uint8Array(csr.indptr[csr.rows]!);
  const slots: number[] = [];
  for (const r of eligible) {
    const r0 = csr.indptr[r]!, n = csr.indptr[r + 1]! - r0;
    const want = fraction * n;
    const take = Math.min(n - 1, Math.floor(want) + (rand() < want - Math.floor(want) ? 1 : 0));
    slots.length = 0;
    for (let i = 0; i < n; i++) slots.push(i);
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(rand() * (n - i));
      [slots[i], slots[j]] = [slots[j]!, slots[i]!];
      toValidation[r0 + slots[i]!] = 1;
    }
  }
  const { train, test } = splitByMask(csr, toValidation);
  return { train, validation: test };
}

export interface TuningSplitOptions {
  /** The job's evaluation (its test pairs are carved out first), when it has one. */
  evaluation?: { holdoutFraction: number; seed: number };
  validationFraction: number;
  seed: number;
  maxSources?: number;
}

/** The whole carve-out of the module comment: the trials' training part and the validation pairs (and the evaluation's test pairs, left out of both). */
export function tuningSplit(matrix: CsrMatrix, o: TuningSplitOptions): { train: CsrMatrix; validation: CsrMatrix; test?: CsrMatrix } {
  let rest = matrix, test: CsrMatrix | undefined;
  if (o.evaluation) ({ train: rest, test } = splitHoldout(matrix, o.evaluation.holdoutFraction, o.evaluation.seed));
  const { train, validation } = splitValidation(rest, o.validationFraction, o.seed, o.maxSources);
  return { train, validation, ...(test ? { test } : {}) };
}

/** The pair and source counts of a tuning split. */
export function splitCounts(s: { train: CsrMatrix; validation: CsrMatrix; test?: CsrMatrix }): SplitCounts {
  const v = testCounts(s.validation);
  return { trainPairs: s.train.indptr[s.train.rows]!, validationPairs: v.test_interactions, validationSources: v.test_sources, testPairs: s.test ? s.test.indptr[s.test.rows]! : 0 };
}
