/**
 * Strings as Arrow's Utf8 layout (offsets + UTF-8 bytes + optional validity bitmap): the form in which
 * millions of ids cross between threads. A `string[]` is structured-cloned string by string (seconds of the
 * receiving thread's time for 10M ids); a PackedStrings moves as three transferred buffers, at once.
 */
export interface PackedStrings {
  /** Value i is bytes[offsets[i] .. offsets[i+1]); length = offsets.length - 1. */
  offsets: Int32Array;
  bytes: Uint8Array;
  /** Bit i clear = value i is null (absent: no nulls). */
  valid?: Uint8Array;
}

export function packedLength(p: PackedStrings): number {
  return p.offsets.length - 1;
}

/** Packs strings (null allowed) into fresh buffers. */
export function packStrings(values: readonly (string | null | undefined)[]): PackedStrings {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let valid: Uint8Array | undefined;
  let buf = Buffer.allocUnsafeSlow(Math.max(64, n * 8));
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s === null || s === undefined) {
      valid ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      valid[i >> 3]! &= ~(1 << (i & 7));
    } else {
      if (pos + 3 * s.length > buf.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, pos + 3 * s.length));
        buf.copy(grown, 0, 0, pos);
        buf = grown;
      }
      pos += buf.write(s, pos, 'utf8');
    }
    offsets[i + 1] = pos;
  }
  const bytes = new Uint8Array(pos);
  bytes.set(buf.subarray(0, pos));
  return valid ? { offsets, bytes, valid } : { offsets, bytes };
}

/** The strings back (null for null values). */
export function unpackStrings(p: PackedStrings): (string | null)[] {
  const n = packedLength(p);
  const buf = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  const out = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    out[i] = p.valid && (p.valid[i >> 3]! & (1 << (i & 7))) === 0 ? null : buf.toString('utf8', p.offsets[i]!, p.offsets[i + 1]!);
  }
  return out;
}

/** The buffers of some packed strings (to transfer them). */
export function packedBuffers(...ps: PackedStrings[]): ArrayBufferLike[] {
  return ps.flatMap((p) => [p.offsets.buffer, p.bytes.buffer, ...(p.valid ? [p.valid.buffer] : [])]);
}

/** Reads single values of some packed strings in place (one UTF-8 decode per value read, nothing else kept). */
export class PackedStringsReader {
  private readonly buf: Buffer;
  constructor(readonly p: PackedStrings) {
    this.buf = Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  }

  get length(): number { return packedLength(this.p); }

  /** Value i (null when null; undefined beyond the end). */
  at(i: number): string | null | undefined {
    const { offsets, valid } = this.p;
    if (!(i >= 0 && i + 1 < offsets.length)) return undefined;
    if (valid && (valid[i >> 3]! & (1 << (i & 7))) === 0) return null;
    return this.buf.toString('utf8', offsets[i]!, offsets[i + 1]!);
  }
}
