/**
 * The trials' points: a seeded quasi-random sequence over the unit cube [0, 1)^d, the Halton sequence
 * (radical inverses in the first d primes) randomised by a Cranley-Patterson rotation: every coordinate is
 * shifted by a seeded offset modulo 1. Low discrepancy (the points fill the cube evenly, far better than
 * independent draws at 8-64 points) and deterministic: same seed, same dimensions -> the same points.
 * Point 0 of the unrotated sequence is the origin, so the sequence starts at index 1.
 */
import { mulberry32 } from '../../util/random.js';

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];

/** The radical inverse of `i` in `base`: its digits mirrored after the point. */
export function radicalInverse(i: number, base: number): number {
  let f = 1, r = 0;
  for (let n = i; n > 0; n = Math.floor(n / base)) {
    f /= base;
    r += f * (n % base);
  }
  return r;
}

/** The first `count` points of the rotated Halton sequence in `dims` dimensions for `seed`. */
export function haltonPoints(count: number, dims: number, seed: number): number[][] {
  if (dims > PRIMES.length) throw new RangeError(`at most ${PRIMES.length} dimensions, got ${dims}`);
  const rand = mulberry32(seed ^ 0x9e3779b9);
  const shift = Array.from({ length: dims }, () => rand());
  const out: number[][] = [];
  for (let i = 1; i <= count; i++) {
    out.push(shift.map((s, d) => {
      const u = radicalInverse(i, PRIMES[d]!) + s;
      return u >= 1 ? u - 1 : u;
    }));
  }
  return out;
}
