/**
 * The trials' points: a seeded quasi-random sequence over the unit cube [0, 1)^d, the Sobol sequence
 * (direction numbers of Joe & Kuo, new-joe-kuo-6.21201) with a random digital shift: every coordinate's
 * 32 bits are XORed with a seeded word. Each coordinate of the first 2^m points falls once in each of the
 * 2^m equal intervals (a Sobol sequence stays a digital net under the shift), so 16 trials see 16 distinct
 * sixteenths of every range, where independent draws leave gaps and clumps. Deterministic: same seed, same
 * dimensions -> the same points.
 */
import { mulberry32 } from '../../util/random.js';

/** Joe & Kuo's [s, a, m_1..m_s] for dimensions 2..8 (dimension 1 is the van der Corput sequence). */
const JOE_KUO: ReadonlyArray<readonly [number, number, readonly number[]]> = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
];
export const MAX_SOBOL_DIMS = JOE_KUO.length + 1;

const BITS = 32;

/** The 32 direction numbers v_k = m_k 2^(32-k) of a dimension (0-based). */
function directions(dim: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dim === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const [s, a, m0] = JOE_KUO[dim - 1]!;
  const m = [...m0];
  for (let k = s; k < BITS; k++) {
    // m_k = 2 a_1 m_{k-1} ^ 4 a_2 m_{k-2} ^ ... ^ 2^(s-1) a_(s-1) m_(k-s+1) ^ 2^s m_(k-s) ^ m_(k-s)
    let x = m[k - s]! ^ (m[k - s]! * 2 ** s);
    for (let j = 1; j < s; j++) if ((a >> (s - 1 - j)) & 1) x ^= m[k - j]! * 2 ** j;
    m.push(x);
  }
  for (let k = 0; k < BITS; k++) v[k] = (m[k]! * 2 ** (BITS - 1 - k)) >>> 0;
  return v;
}

/** The first `count` points of the digitally shifted Sobol sequence in `dims` dimensions for `seed`. */
export function sobolPoints(count: number, dims: number, seed: number): number[][] {
  if (dims > MAX_SOBOL_DIMS) throw new RangeError(`at most ${MAX_SOBOL_DIMS} dimensions, got ${dims}`);
  const rand = mulberry32(seed ^ 0x9e3779b9);
  const shift = Array.from({ length: dims }, () => Math.floor(rand() * 2 ** 32) >>> 0);
  const v = Array.from({ length: dims }, (_, d) => directions(d));
  const out: number[][] = [];
  for (let n = 0; n < count; n++) {
    out.push(shift.map((sh, d) => {
      let x = sh;
      for (let k = 0, i = n; i > 0; k++, i >>>= 1) if (i & 1) x = (x ^ v[d]![k]!) >>> 0;
      return x / 2 ** 32;
    }));
  }
  return out;
}
