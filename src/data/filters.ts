/**
 * `data_filters` of Train / DescribeDataset, validated once and compiled into plain predicates.
 *
 * Semantics (README "Training: selection, filters, jobs"):
 * - interactions.types: keep rows whose `type` is in the set (a row without type never matches a
 *   non-empty set). Empty = any.
 * - interactions.min_weight / max_weight: inclusive, on the weight as imported (null = 1), before
 *   per-type weights are applied.
 * - interactions.min_timestamp / max_timestamp: inclusive; rows without a timestamp are kept.
 * - metadata conditions: the top-level key of the row's JSON `metadata` must equal one of `values`;
 *   JSON scalars compare by their string form (true -> "true", 3 -> "3", null -> "null"); objects and
 *   arrays by JSON.stringify; missing key, missing or unparsable metadata = no match. All must hold.
 * - entities: the same for entities (type set, metadata); applied to both ends of an interaction.
 * - unknown_entities: what happens to an interaction end whose entity was never imported (in the entity
 *   batches selected by the same tags): KEEP (default) or DROP. DROP applies even without an entity
 *   filter, so it can be used alone to train only on known entities.
 */
import { InvalidArgumentError } from '../errors.js';
import type { DataFilters__Output } from '../gen/recommender/v1/DataFilters.js';
import type { EntityFilter__Output } from '../gen/recommender/v1/EntityFilter.js';
import type { MetadataCondition__Output } from '../gen/recommender/v1/MetadataCondition.js';
import type { Timestamp__Output } from '../gen/google/protobuf/Timestamp.js';
import { UnknownEntityPolicy } from '../gen/recommender/v1/UnknownEntityPolicy.js';
import { enumName } from '../util/proto-enum.js';

export interface MetadataPredicate {
  key: string;
  values: Set<string>;
}

export interface CompiledInteractionFilter {
  types?: Set<string>;
  minWeight?: number;
  maxWeight?: number;
  minTimestampMs?: number;
  maxTimestampMs?: number;
  metadata: MetadataPredicate[];
}

export interface CompiledEntityFilter {
  types?: Set<string>;
  metadata: MetadataPredicate[];
}

export interface CompiledDataFilters {
  interactions?: CompiledInteractionFilter;
  entities?: CompiledEntityFilter;
  unknownEntities: 'keep' | 'drop';
}

function timestampMs(ts: Timestamp__Output | null | undefined, field: string): number | undefined {
  if (!ts) return undefined;
  const seconds = Number(ts.seconds);
  const nanos = Number(ts.nanos ?? 0);
  if (!Number.isFinite(seconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new InvalidArgumentError(`${field} is not a valid timestamp`, { field });
  }
  return seconds * 1000 + nanos / 1e6;
}

function compileTypes(types: readonly string[] | undefined, field: string): Set<string> | undefined {
  if (!types || types.length === 0) return undefined;
  types.forEach((t, i) => {
    if (typeof t !== 'string' || t.length === 0) throw new InvalidArgumentError(`${field}[${i}] must be a non-empty type`, { field: `${field}[${i}]` });
  });
  return new Set(types);
}

function compileMetadata(conds: readonly MetadataCondition__Output[] | undefined, field: string): MetadataPredicate[] {
  return (conds ?? []).map((c, i) => {
    const f = `${field}[${i}]`;
    if (!c.key) throw new InvalidArgumentError(`${f}.key must not be empty`, { field: `${f}.key` });
    if (!c.values || c.values.length === 0) throw new InvalidArgumentError(`${f}.values must list at least one value`, { field: `${f}.values` });
    return { key: c.key, values: new Set(c.values) };
  });
}

function finiteOrUndefined(v: number | undefined, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${field} must be a finite number, got ${v}`, { field });
  return n;
}

/** Validates and compiles an entity filter (training's `data_filters.entities`, serving's `target_filter`); errors name `${field}.…`. */
export function compileEntityFilter(e: EntityFilter__Output, field: string): CompiledEntityFilter {
  return { types: compileTypes(e.types, `${field}.types`), metadata: compileMetadata(e.metadata, `${field}.metadata`) };
}

const P = 'data_filters';

/** Validates and compiles; throws InvalidArgumentError naming the field (e.g. `data_filters.interactions.min_weight`). */
export function compileDataFilters(f: DataFilters__Output | null | undefined): CompiledDataFilters {
  const unknownEntities = enumName(f?.unknown_entities, UnknownEntityPolicy, `${P}.unknown_entities`) === 'UNKNOWN_ENTITY_DROP' ? 'drop' : 'keep';
  const out: CompiledDataFilters = { unknownEntities };
  const i = f?.interactions;
  if (i) {
    const F = `${P}.interactions`;
    const minWeight = finiteOrUndefined(i.min_weight, `${F}.min_weight`);
    const maxWeight = finiteOrUndefined(i.max_weight, `${F}.max_weight`);
    if (minWeight !== undefined && maxWeight !== undefined && minWeight > maxWeight) {
      throw new InvalidArgumentError(`${F}.min_weight (${minWeight}) is greater than max_weight (${maxWeight})`, { field: `${F}.min_weight` });
    }
    const minTimestampMs = timestampMs(i.min_timestamp, `${F}.min_timestamp`);
    const maxTimestampMs = timestampMs(i.max_timestamp, `${F}.max_timestamp`);
    if (minTimestampMs !== undefined && maxTimestampMs !== undefined && minTimestampMs > maxTimestampMs) {
      throw new InvalidArgumentError(`${F}.min_timestamp is later than max_timestamp`, { field: `${F}.min_timestamp` });
    }
    const compiled: CompiledInteractionFilter = {
      types: compileTypes(i.types, `${F}.types`), minWeight, maxWeight, minTimestampMs, maxTimestampMs,
      metadata: compileMetadata(i.metadata, `${F}.metadata`),
    };
    const active = compiled.types || minWeight !== undefined || maxWeight !== undefined || minTimestampMs !== undefined
      || maxTimestampMs !== undefined || compiled.metadata.length > 0;
    if (active) out.interactions = compiled;
  }
  const e = f?.entities;
  if (e) {
    const compiled = compileEntityFilter(e, `${P}.entities`);
    if (compiled.types || compiled.metadata.length > 0) out.entities = compiled;
  }
  return out;
}

/** The string form a metadata value compares by. */
export function metadataValueString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(v);
}

/** Parses a JSON metadata string into a top-level object, or undefined (missing, unparsable, not an object). */
export function parseMetadata(json: string | null | undefined): Record<string, unknown> | undefined {
  if (json === null || json === undefined || json === '') return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function metadataMatches(json: string | null | undefined, preds: readonly MetadataPredicate[]): boolean {
  if (preds.length === 0) return true;
  const obj = parseMetadata(json);
  if (!obj) return false;
  for (const p of preds) {
    if (!Object.prototype.hasOwnProperty.call(obj, p.key)) return false;
    if (!p.values.has(metadataValueString(obj[p.key]))) return false;
  }
  return true;
}

export function entityPasses(f: CompiledEntityFilter, type: string | null, metadata: string | null): boolean {
  if (f.types && (type === null || !f.types.has(type))) return false;
  return metadataMatches(metadata, f.metadata);
}

/** The interaction filter on one row (weight = as imported, null already replaced by 1). */
export function interactionPasses(f: CompiledInteractionFilter, type: string | null, timestampMs: number | null, weight: number, metadata: string | null): boolean {
  if (f.types && (type === null || !f.types.has(type))) return false;
  if (f.minWeight !== undefined && !(weight >= f.minWeight)) return false;
  if (f.maxWeight !== undefined && !(weight <= f.maxWeight)) return false;
  if (timestampMs !== null) {
    if (f.minTimestampMs !== undefined && timestampMs < f.minTimestampMs) return false;
    if (f.maxTimestampMs !== undefined && timestampMs > f.maxTimestampMs) return false;
  }
  return metadataMatches(metadata, f.metadata);
}
