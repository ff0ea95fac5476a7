/**
 * id -> row lookups over packed ids (packed-strings.ts) without a Map or one JS string per id: an
 * open-addressing hash table (linear probing) keyed by the UTF-8 bytes of the ids. The table is built
 * where the ids are decoded (a worker thread: service/models/model-load-worker.ts) and moves with them as
 * typed arrays; the receiving thread only wraps them. A lookup encodes the query once into scratch,
 * hashes it (hash64-set.ts's byte hash) and walks the slots from the hash's own; each slot keeps the
 * row's 32-bit hash beside the row, so the walk stays in the table's cache lines and the id's bytes are
 * compared only when the hashes match.
 *
 * Capacity: the power of two >= 1.5 x rows (load factor 0.33-0.67), 8 bytes per slot. Duplicate ids keep
 * the last row, as a Map built in row order would.
 */
import { hash32Utf8 } from './hash64-set.js';
import { packedLength, packStrings, PackedStringsReader, type PackedStrings } from './packed-strings.js';

/**
 * Packed ids and their hash table: slot s is slots[2s] = the row's hash, slots[2s + 1] = row + 1 (0 = empty).
 * Structured-cloneable; transfer its buffers.
 */
export interface IdIndexData {
  ids: PackedStrings;
  slots: Int32Array;
}

function sameBytes(bytes: Uint8Array, a: number, b: number, q: Uint8Array, qa: number, qlen: number): boolean {
  if (b - a !== qlen) return false;
  for (let j = 0; j < qlen; j++) if (bytes[a + j] !== q[qa + j]) return false;
  return true;
}

/** The hash table over `ids` (null ids are left out). Linear in the ids' bytes. */
export function buildIdIndex(ids: PackedStrings): IdIndexData {
  const n = packedLength(ids);
  let cap = 16;
  while (cap < n * 1.5) cap *= 2;
  const slots = new Int32Array(2 * cap);
  const mask = cap - 1;
  const { offsets, bytes, valid } = ids;
  for (let i = 0; i < n; i++) {
    if (valid && (valid[i >> 3]! & (1 << (i & 7))) === 0) continue;
    const a = offsets[i]!, b = offsets[i + 1]!;
    const h = hash32Utf8(bytes, a, b);
    let s = h & mask;
    for (;;) {
      const r = slots[2 * s + 1]!;
      if (r === 0) { slots[2 * s] = h; slots[2 * s + 1] = i + 1; break; }
      if (slots[2 * s] === h && sameBytes(bytes, offsets[r - 1]!, offsets[r]!, bytes, a, b - a)) { slots[2 * s + 1] = i + 1; break; }
      s = (s + 1) & mask;
    }
  }
  return { ids, slots };
}

const encoder = new TextEncoder();
/** Encoding scratch of lookups (synchronous, so one per thread). */
let scratch = new Uint8Array(256);

/** Lookups over an IdIndexData (wraps its arrays, copies nothing). */
export class PackedIdIndex {
  private readonly reader: PackedStringsReader;
  private readonly mask: number;

  constructor(readonly data: IdIndexData) {
    this.reader = new PackedStringsReader(data.ids);
    const cap = data.slots.length / 2;
    this.mask = cap - 1;
    if (!Number.isInteger(cap) || (cap & this.mask) !== 0) throw new Error(`id index: ${cap} slots is not a power of two`);
  }

  /** Packs `ids` and builds their index on this thread. */
  static of(ids: readonly string[]): PackedIdIndex {
    return new PackedIdIndex(buildIdIndex(packStrings(ids)));
  }

  /** Number of ids (rows). */
  get size(): number { return packedLength(this.data.ids); }

  /** Approximate bytes held (ids and table). */
  get bytes(): number {
    const { ids, slots } = this.data;
    return slots.byteLength + ids.offsets.byteLength + ids.bytes.byteLength + (ids.valid?.byteLength ?? 0);
  }

  /** The id of row i. */
  id(i: number): string {
    return this.reader.at(i) ?? '';
  }

  /** The row of `id`, undefined when the model does not know it. */
  get(id: string): number | undefined {
    if (scratch.length < id.length * 3) scratch = new Uint8Array(Math.max(scratch.length * 2, id.length * 3));
    const len = encoder.encodeInto(id, scratch).written;
    const { slots, ids: { offsets, bytes } } = this.data;
    const mask = this.mask;
    const h = hash32Utf8(scratch, 0, len);
    let s = h & mask;
    for (;;) {
      const r = slots[2 * s + 1]!;
      if (r === 0) return undefined;
      if (slots[2 * s] === h && sameBytes(bytes, offsets[r - 1]!, offsets[r]!, scratch, 0, len)) return r - 1;
      s = (s + 1) & mask;
    }
  }
}
