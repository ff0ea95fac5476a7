/**
 * The search space of a tuning run (TrainRequest.tuning.search): which hyperparameters a trial varies,
 * over which ranges, and how a point of the unit cube becomes a trial's engine options.
 *
 * Default space (tuning.search empty), each dimension only when the Train call left that hyperparameter
 * unset (an explicit value is obeyed, never searched; log_scaling counts as set only when true, proto3
 * having no unset bool):
 *
 *   regularization            log-uniform [0.3, 300]   (lambda at a row of mean length, see below)
 *   alpha                     log-uniform [0.1, 30]
 *   log_scaling               {false, true}
 *   regularization_exponent   uniform [0, 1]           (nu; Rendle et al.'s recipes use 0..1)
 *   unobserved_weight         log-uniform [0.05, 1]    (alpha0)
 *
 * factors, iterations and log_epsilon are searched only when tuning.search names them (their cost, or
 * their meaning, is the caller's choice). When regularization is searched, the value drawn is the lambda
 * of a row of mean length: the trial's regularization is it divided by (mean n_r + w N)^nu, the geometric
 * mean of both sides' scale (regularization.ts; 1 at nu = 0), so that one range of lambda means the same
 * strength at every nu instead of 10^4 times more at nu = 1 on a 10k-item catalog.
 */
import type { AlsOptions, CompiledAlsOptions } from '../../engine/options.js';
import { frequencyWeight } from '../../engine/regularization.js';
import type { CsrMatrix } from '../../engine/types.js';
import { echo, InvalidArgumentError } from '../../errors.js';
import type { SearchRange__Output } from '../../gen/recommender/v1/SearchRange.js';

/** Hyperparameters a search may vary (SearchRange.name), with the option each sets and its valid range. */
export const SEARCHABLE = {
  regularization: { option: 'regularization', min: 0, max: Infinity, integer: false },
  alpha: { option: 'alpha', min: 0, max: Infinity, integer: false },
  regularization_exponent: { option: 'regularizationExponent', min: 0, max: 2, integer: false },
  unobserved_weight: { option: 'unobservedWeight', min: 0, max: 1, integer: false },
  factors: { option: 'factors', min: 1, max: 1024, integer: true },
  log_epsilon: { option: 'logEpsilon', min: 0, max: Infinity, integer: false, exclusiveMin: true },
  iterations: { option: 'iterations', min: 1, max: 1000, integer: true },
  log_scaling: { option: 'logScaling', min: 0, max: 1, integer: true },
} as const satisfies Record<string, { option: keyof AlsOptions; min: number; max: number; integer: boolean; exclusiveMin?: boolean }>;
export type SearchName = keyof typeof SEARCHABLE;

/** One dimension: a continuous range [min, max] (log-uniform when log) or a set of values. */
export interface SearchDim {
  name: SearchName;
  min: number;
  max: number;
  log: boolean;
  values?: number[];
}

/** The default space (module comment), before the dimensions the call set are left out. */
export const DEFAULT_SEARCH: readonly SearchDim[] = [
  { name: 'regularization', min: 0.3, max: 300, log: true },
  { name: 'alpha', min: 0.1, max: 30, log: true },
  { name: 'log_scaling', min: 0, max: 1, log: false, values: [0, 1] },
  { name: 'regularization_exponent', min: 0, max: 1, log: false },
  { name: 'unobserved_weight', min: 0.05, max: 1, log: true },
];

function bad(field: string, msg: string): never {
  throw new InvalidArgumentError(`${field} ${msg}`, { field });
}

/**
 * The search space a request asks for (every error an InvalidArgumentError naming `tuning.search[i].<field>`).
 * `requested` are the hyperparameters as the call gave them: a dimension the call set is refused when named
 * in `search`, and left out of the default space.
 */
export function compileSearchSpace(search: readonly SearchRange__Output[] | undefined, requested: AlsOptions): SearchDim[] {
  // log_scaling is a plain proto3 bool: false is indistinguishable from unset, so only true counts as set.
  const isSet = (name: SearchName) => (name === 'log_scaling' ? requested.logScaling === true : requested[SEARCHABLE[name].option] !== undefined);
  if (!search || search.length === 0) {
    const dims = DEFAULT_SEARCH.filter((d) => !isSet(d.name)).map((d) => ({ ...d, ...(d.values ? { values: [...d.values] } : {}) }));
    if (dims.length === 0) bad('tuning.search', 'is empty and every hyperparameter of the default space is set in hyperparameters: name what to search');
    return dims;
  }
  const seen = new Set<string>();
  return search.map((s, i) => {
    const f = `tuning.search[${i}]`;
    const name = s.name as SearchName;
    if (!Object.hasOwn(SEARCHABLE, s.name)) bad(`${f}.name`, `must be one of ${Object.keys(SEARCHABLE).join(', ')}, got ${echo(s.name)}`);
    if (seen.has(name)) bad(`${f}.name`, `repeats ${echo(name)}`);
    seen.add(name);
    if (isSet(name)) bad(`${f}.name`, `searches ${name}, which hyperparameters.${name} sets: leave it unset to search it`);
    const spec: { min: number; max: number; integer: boolean; exclusiveMin?: boolean } = SEARCHABLE[name];
    const inRange = (v: number) => Number.isFinite(v) && v >= spec.min && v <= spec.max && !(spec.exclusiveMin && v === spec.min) && (!spec.integer || Number.isInteger(v));
    const range = `${spec.integer ? 'an integer' : 'a finite number'} ${spec.exclusiveMin ? `> ${spec.min}` : spec.max === Infinity ? `>= ${spec.min}` : `in ${spec.min}..${spec.max}`}`;
    const values = s.values ?? [];
    if (values.length > 0) {
      if (s.min != null || s.max != null) bad(`${f}.values`, 'and min/max exclude each other: give a set of values or a range');
      if (s.log) bad(`${f}.log`, 'applies to a range, not to values');
      values.forEach((v, j) => { if (!inRange(v)) bad(`${f}.values[${j}]`, `must be ${range} for ${name}, got ${v}`); });
      const sorted = [...new Set(values)];
      return { name, min: Math.min(...sorted), max: Math.max(...sorted), log: false, values: sorted };
    }
    if (name === 'log_scaling') bad(`${f}.values`, 'must list the settings of log_scaling to try (0 = off, 1 = on)');
    if (s.min == null) bad(`${f}.min`, `is required (or give values)`);
    if (s.max == null) bad(`${f}.max`, `is required (or give values)`);
    if (!inRange(s.min)) bad(`${f}.min`, `must be ${range} for ${name}, got ${s.min}`);
    if (!inRange(s.max)) bad(`${f}.max`, `must be ${range} for ${name}, got ${s.max}`);
    if (s.min > s.max) bad(`${f}.min`, `must be <= max (${s.max}), got ${s.min}`);
    if (s.log && !(s.min > 0)) bad(`${f}.min`, `must be > 0 with log (a log-uniform range), got ${s.min}`);
    return { name, min: s.min, max: s.max, log: s.log };
  });
}

/** The value of `dim` at u in [0, 1). */
export function valueAt(dim: SearchDim, u: number): number {
  if (dim.values) return dim.values[Math.min(dim.values.length - 1, Math.floor(u * dim.values.length))]!;
  const v = dim.log ? Math.exp(Math.log(dim.min) + u * (Math.log(dim.max) - Math.log(dim.min))) : dim.min + u * (dim.max - dim.min);
  const spec = SEARCHABLE[dim.name];
  return spec.integer ? Math.min(dim.max, Math.max(dim.min, Math.round(v))) : v;
}

/**
 * The job's own settings as a point of the space (trial 1): each searched hyperparameter that lies outside
 * its range moved to the nearest bound or listed value, the others as they are (regularization unscaled).
 */
export function projectInto(base: CompiledAlsOptions, dims: readonly SearchDim[]): CompiledAlsOptions {
  const o: CompiledAlsOptions = { ...base };
  const set = o as unknown as Record<string, number | boolean>;
  for (const d of dims) {
    const key = SEARCHABLE[d.name].option;
    const v = Number(set[key]);
    const moved = d.values ? d.values.reduce((p, x) => (Math.abs(x - v) < Math.abs(p - v) ? x : p)) : Math.min(d.max, Math.max(d.min, v));
    set[key] = d.name === 'log_scaling' ? moved >= 0.5 : moved;
  }
  return o;
}

/** What the regularization scaling needs of the data: its shape and nonzeros. */
export type DataShape = Pick<CsrMatrix, 'rows' | 'cols'> & { nonzeros: number };

/** (mean n_r + w N)^nu over both sides, geometric mean (the module comment): 1 at nu = 0. */
export function meanRowScale(o: Pick<CompiledAlsOptions, 'regularizationExponent' | 'unobservedWeight' | 'regularizationFrequencyWeight'>, d: DataShape): number {
  const nu = o.regularizationExponent;
  if (nu === 0 || d.rows === 0 || d.cols === 0) return 1;
  const w = frequencyWeight(o);
  const sources = d.nonzeros / d.rows + w * d.cols;
  const targets = d.nonzeros / d.cols + w * d.rows;
  return Math.pow(Math.sqrt(sources * targets), nu);
}

/**
 * `base` (the job's compiled options, or a trial's) with each dimension set to its value in `values` (one
 * per dimension; regularization: the lambda of a mean row, divided by the trial's scale).
 */
function optionsAt(base: CompiledAlsOptions, dims: readonly SearchDim[], values: readonly number[], data: DataShape): CompiledAlsOptions {
  const o: CompiledAlsOptions = { ...base };
  const set = o as unknown as Record<string, number | boolean>;
  dims.forEach((d, i) => { set[SEARCHABLE[d.name].option] = d.name === 'log_scaling' ? values[i]! >= 0.5 : values[i]!; });
  if (dims.some((d) => d.name === 'regularization')) o.regularization = o.regularization / meanRowScale(o, data);
  return o;
}

/** The value of each dimension in a trial's options `o` (inverse of optionsAt: regularization as the lambda of a mean row). */
export function valuesOf(o: CompiledAlsOptions, dims: readonly SearchDim[], data: DataShape): number[] {
  const get = o as unknown as Record<string, number | boolean>;
  return dims.map((d) => (d.name === 'regularization' ? o.regularization * meanRowScale(o, data) : Number(get[SEARCHABLE[d.name].option])));
}

/**
 * A trial's options: `base` (the job's compiled options) with the point `u` of the unit cube applied,
 * one coordinate per dimension.
 */
export function trialOptions(base: CompiledAlsOptions, dims: readonly SearchDim[], u: readonly number[], data: DataShape): CompiledAlsOptions {
  return optionsAt(base, dims, dims.map((d, i) => valueAt(d, u[i]!)), data);
}

/**
 * A neighbour of the trial `center` (the search's local phase, search.ts): the point `u` of the unit
 * cube, each coordinate read as a step d = 2u - 1 in [-1, 1), moves every dimension by at most `radius`
 * (a share of its range) around the center's value, kept within the range:
 *
 *   log range     value x exp(d radius ln(max / min))    (multiplicative: regularization, alpha, alpha0)
 *   linear range  value + d radius (max - min)           (regularization_exponent)
 *   values        to the next listed value when |d| > 1 - radius, towards sign(d) (the other way at an
 *                 end), else the same one: log_scaling flips with probability `radius`
 *
 * Integer dimensions are rounded. The regularization moved is the lambda of a mean row, as trialOptions.
 */
export function neighbourOptions(center: CompiledAlsOptions, dims: readonly SearchDim[], u: readonly number[], radius: number, data: DataShape): CompiledAlsOptions {
  const c = valuesOf(center, dims, data);
  const values = dims.map((dim, i) => {
    const d = 2 * u[i]! - 1;
    if (dim.values) {
      const at = dim.values.reduce((p, x, j) => (Math.abs(x - c[i]!) < Math.abs(dim.values![p]! - c[i]!) ? j : p), 0);
      if (Math.abs(d) <= 1 - radius || dim.values.length === 1) return dim.values[at]!;
      const step = d > 0 ? 1 : -1;
      const to = at + step >= 0 && at + step < dim.values.length ? at + step : at - step;
      return dim.values[to]!;
    }
    const v = dim.log ? c[i]! * Math.exp(d * radius * Math.log(dim.max / dim.min)) : c[i]! + d * radius * (dim.max - dim.min);
    const kept = Math.min(dim.max, Math.max(dim.min, v));
    return SEARCHABLE[dim.name].integer ? Math.min(dim.max, Math.max(dim.min, Math.round(kept))) : kept;
  });
  return optionsAt(center, dims, values, data);
}
