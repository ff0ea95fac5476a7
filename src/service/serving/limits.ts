import { InvalidArgumentError } from '../../errors.js';

export const DEFAULT_RESULTS = 10;
/** Larger requested counts are capped to this (proto: "capped at 1000"). */
export const MAX_RESULTS = 1000;
export const MAX_SOURCES_PER_CALL = 100;
export const DEFAULT_CHUNK = 256;
export const MAX_CHUNK = 4096;

/** 0/unset -> default, negative -> INVALID_ARGUMENT, above the cap -> the cap. */
export function resultCount(v: number | undefined, field: string): number {
  const n = v ?? 0;
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${field} must be a non-negative integer, got ${v}`, { field });
  return n === 0 ? DEFAULT_RESULTS : Math.min(n, MAX_RESULTS);
}

export function requireModelId(v: string | undefined): string {
  if (!v) throw new InvalidArgumentError('model_id is required', { field: 'model_id' });
  return v;
}
