/**
 * Distinct counting of byte strings without keeping the strings: each value is hashed to 64 bits (two
 * independent 32-bit multiplicative hashes over the bytes, each finished with murmur3's fmix32) and the
 * hashes are kept in an open-addressing set of int32 pairs (linear probing). 8 bytes per slot, load
 * factor <= 0.5, so 16-32 bytes per distinct value. The count is exact unless two distinct values share
 * a 64-bit hash (probability about n^2 / 2^65: ~3e-6 for n = 10 million).
 *
 * All arithmetic stays in int32 so V8 never boxes a number (uint32 above 2^30 would be heap numbers).
 */
export class Hash64Set {
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.table = new Int32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Approximate memory held, bytes. */
  get bytes(): number { return this.table.byteLength; }

  /** Adds a 64-bit hash given as two int32 halves. */
  add(hi: number, lo: number): void {
    hi |= 0;
    lo |= 0;
    if ((hi | lo) === 0) lo = 1; // (0, 0) marks an empty slot
    const t = this.table;
    const mask = this.mask;
    let slot = lo & mask;
    for (;;) {
      const j = slot << 1;
      const h = t[j]!;
      const l = t[j + 1]!;
      if ((h | l) === 0) {
        t[j] = hi;
        t[j + 1] = lo;
        if (++this.size * 2 > mask + 1) this.grow();
        return;
      }
      if (h === hi && l === lo) return;
      slot = (slot + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.table;
    const cap = (this.mask + 1) * 2;
    const t = new Int32Array(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const hi = old[j]!;
      const lo = old[j + 1]!;
      if ((hi | lo) === 0) continue;
      let slot = lo & mask;
      while ((t[slot << 1]! | t[(slot << 1) + 1]!) !== 0) slot = (slot + 1) & mask;
      t[slot << 1] = hi;
      t[(slot << 1) + 1] = lo;
    }
    this.table = t;
    this.mask = mask;
  }

  /** Adds every value of a Utf8 column (offsets into bytes), skipping rows whose validity bit is 0. */
  addUtf8(offsets: Int32Array, bytes: Uint8Array, length: number, validity?: Uint8Array): void {
    for (let i = 0; i < length; i++) {
      if (validity !== undefined && (validity[i >> 3]! & (1 << (i & 7))) === 0) continue;
      const a = offsets[i]!;
      const b = offsets[i + 1]!;
      let h1 = (0x811c9dc5 ^ (b - a)) | 0;
      let h2 = 0x2545f491;
      for (let k = a; k < b; k++) {
        const c = bytes[k]!;
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
        h2 ^= h2 >>> 15;
      }
      this.add(fmix32(h1), fmix32(h2 ^ (b - a)));
    }
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b | 0);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35 | 0);
  h ^= h >>> 16;
  return h | 0;
}
