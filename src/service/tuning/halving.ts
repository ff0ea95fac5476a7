/**
 * Successive halving on iterations (Jamieson & Talwalkar 2016; Li et al.'s Hyperband bracket), in brackets
 * of at most BRACKET_TRIALS trials run one after the other (so that a time budget that ends the search
 * early still leaves the earlier brackets' survivors fully trained): in a bracket every trial trains to
 * the first checkpoint and is scored on the validation split; the better half (rounded up) continues to
 * the next checkpoint, and so on until the survivors reach the trials' full iterations R. Checkpoints are
 * at R/4 and R/2 (rounded up; fewer when R or the bracket is too small to halve), so a bracket of 8 trials
 * of 15 iterations costs 8 x 4 + 4 x 4 + 2 x 7 = 62 iterations instead of 120. A trial
 * continues from its checkpoint's factors (the engine's warm start: the same sweeps as an uninterrupted
 * run), or from the seeded start again when keeping every trial's factors would take too much memory.
 */

/** Trials per bracket at most. */
export const BRACKET_TRIALS = 8;

/** The sizes of the brackets of a search with `trials` trials (all BRACKET_TRIALS but the last). */
export function bracketSizes(trials: number): number[] {
  const out: number[] = [];
  for (let left = trials; left > 0; left -= BRACKET_TRIALS) out.push(Math.min(BRACKET_TRIALS, left));
  return out;
}

/** Checkpoints before the last one: none for 1 trial, one for 2-3, two from 4 trials on. */
export function halvingDepth(trials: number): number {
  return trials >= 4 ? 2 : trials >= 2 ? 1 : 0;
}

/** The iterations after which the trials of a bracket of `trials` trials of `r` iterations are scored (increasing, last = r). */
export function rungIterations(r: number, trials: number): number[] {
  const depth = halvingDepth(trials);
  const its: number[] = [];
  for (let j = depth; j >= 1; j--) its.push(Math.max(1, Math.ceil(r / 2 ** j)));
  its.push(r);
  return [...new Set(its)].sort((a, b) => a - b);
}

/** Trials that train to rung `j` (0-based) of a bracket that starts `trials` trials: halved at every rung. */
export function survivorsAt(trials: number, j: number): number {
  let n = trials;
  for (let i = 0; i < j; i++) n = Math.ceil(n / 2);
  return n;
}

/** Iterations the whole search trains when every trial runs and no budget ends it (the progress plan). */
export function plannedSearchIterations(trials: number, r: number, warm: boolean): number {
  let total = 0;
  for (const size of bracketSizes(trials)) {
    const rungs = rungIterations(r, size);
    rungs.forEach((it, j) => { total += survivorsAt(size, j) * (warm ? it - (rungs[j - 1] ?? 0) : it); });
  }
  return total;
}
