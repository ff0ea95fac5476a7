/**
 * Which targets a serving request may return, from `target_type`, `target_filter`, `include_target_ids`
 * and `exclude_target_ids`. Entity attributes come from the snapshot stored in the model (taken at
 * training time), with the training filters' semantics (data/filters.ts): type in the set; every
 * metadata condition's top-level key equal (by string form) to one of its values. A target whose
 * entity was never imported has no type and no metadata, so it fails any non-empty type or metadata
 * condition. Ids in the include / exclude lists that the model does not know are ignored (they could
 * never be returned anyway).
 */
import { compileEntityFilter, entityPasses, type CompiledEntityFilter } from '../../data/filters.js';
import { InvalidArgumentError } from '../../errors.js';
import type { EntityFilter__Output } from '../../gen/recommender/v1/EntityFilter.js';
import type { ServedModel } from '../models/served-model.js';

export interface TargetSelection {
  /** Type + metadata filter (target_type is folded into `types`); undefined = none. */
  entity?: CompiledEntityFilter;
  include?: string[];
  exclude?: string[];
  /** Cache key of the entity part. */
  key: string;
}

export interface Candidates {
  /** 1 = may be returned; null = every target. */
  mask: Uint8Array | null;
  /** When include ids were given: the allowed target indices, ascending (score only these). */
  list: Int32Array | null;
  /** How many targets may be returned (the mask's ones; the catalog size when there is no mask). */
  allowed: number;
}

const MAX_IDS = 100_000;

function ids(v: readonly string[] | undefined, field: string): string[] | undefined {
  if (!v || v.length === 0) return undefined;
  if (v.length > MAX_IDS) throw new InvalidArgumentError(`${field} lists ${v.length} ids; at most ${MAX_IDS}`, { field });
  v.forEach((id, i) => { if (!id) throw new InvalidArgumentError(`${field}[${i}] must not be empty`, { field: `${field}[${i}]` }); });
  return [...v];
}

/** Validates and compiles the selection fields of a request (error fields named as in the request). */
export function compileTargetSelection(req: {
  target_type?: string; target_filter?: EntityFilter__Output | null; include_target_ids?: string[]; exclude_target_ids?: string[];
}): TargetSelection {
  const f = req.target_filter ? compileEntityFilter(req.target_filter, 'target_filter') : { types: undefined, metadata: [] };
  let typeSet = f.types;
  if (req.target_type) typeSet = typeSet ? new Set(typeSet.has(req.target_type) ? [req.target_type] : []) : new Set([req.target_type]);
  const metadata = f.metadata;
  const entity = typeSet || metadata.length > 0 ? { types: typeSet, metadata } : undefined;
  const key = entity ? JSON.stringify([typeSet ? [...typeSet].sort() : null, metadata.map((m) => [m.key, [...m.values].sort()])]) : '';
  return { entity, include: ids(req.include_target_ids, 'include_target_ids'), exclude: ids(req.exclude_target_ids, 'exclude_target_ids'), key };
}

const MASK_CACHE_SIZE = 32;

function entityMask(served: ServedModel, sel: TargetSelection): { mask: Uint8Array; allowed: number } | null {
  if (!sel.entity) return null;
  const cached = served.maskCache.get(sel.key);
  if (cached !== undefined) {
    served.maskCache.delete(sel.key);
    served.maskCache.set(sel.key, cached);
    return cached;
  }
  const { targetTypes: type, targetMetadata: metadata } = served;
  const mask = new Uint8Array(served.targetCount);
  let allowed = 0;
  for (let i = 0; i < mask.length; i++) if (entityPasses(sel.entity, type.at(i) ?? null, metadata.at(i) ?? null)) { mask[i] = 1; allowed++; }
  const entry = { mask, allowed };
  served.maskCache.set(sel.key, entry);
  if (served.maskCache.size > MASK_CACHE_SIZE) served.maskCache.delete(served.maskCache.keys().next().value!);
  return entry;
}

/** The candidates of one request on one model. Masks of the entity part are cached per model. */
export function candidatesFor(served: ServedModel, sel: TargetSelection): Candidates {
  const base = entityMask(served, sel);
  if (sel.include) {
    const set = new Set<number>();
    for (const id of sel.include) {
      const i = served.targetIndex.get(id);
      if (i !== undefined && (!base || base.mask[i])) set.add(i);
    }
    for (const id of sel.exclude ?? []) {
      const i = served.targetIndex.get(id);
      if (i !== undefined) set.delete(i);
    }
    const list = Int32Array.from(set).sort();
    const mask = new Uint8Array(served.targetCount);
    for (const i of list) mask[i] = 1;
    return { mask, list, allowed: list.length };
  }
  if (!sel.exclude) return { mask: base?.mask ?? null, list: null, allowed: base?.allowed ?? served.targetCount };
  const mask = base ? base.mask.slice() : new Uint8Array(served.targetCount).fill(1);
  let allowed = base ? base.allowed : served.targetCount;
  for (const id of sel.exclude) {
    const i = served.targetIndex.get(id);
    if (i !== undefined && mask[i]) { mask[i] = 0; allowed--; }
  }
  return { mask, list: null, allowed };
}
