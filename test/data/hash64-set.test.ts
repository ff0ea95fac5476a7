import { describe, expect, it } from 'vitest';
import { Hash64Set, PartitionedHash64Set } from '../../src/data/hash64-set.js';

/** A Utf8 column (offsets + bytes) of the given strings, in pieces of `piece` rows. */
function* utf8Pieces(values: string[], piece: number): Generator<{ offsets: Int32Array; bytes: Uint8Array; length: number }> {
  const enc = new TextEncoder();
  for (let a = 0; a < values.length; a += piece) {
    const part = values.slice(a, a + piece);
    const encoded = part.map((s) => enc.encode(s));
    const offsets = new Int32Array(part.length + 1);
    for (let i = 0; i < part.length; i++) offsets[i + 1] = offsets[i]! + encoded[i]!.length;
    const bytes = new Uint8Array(offsets[part.length]!);
    encoded.forEach((e, i) => bytes.set(e, offsets[i]!));
    yield { offsets, bytes, length: part.length };
  }
}

describe('PartitionedHash64Set', () => {
  it('counts exactly the distinct strings, like Hash64Set, across buffer flushes (1.2M rows, 400k distinct)', () => {
    let s = 2463534242;
    const rnd = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
    // Enough rows that every partition buffer (4096 hashes) fills and is flushed several times. Built as
    // bytes directly ("user-<k>", ASCII) with a bitmap of the k seen: strings would make the test slow.
    const rows = 1_200_000;
    const seen = new Uint8Array(400_000);
    let expected = 0;
    const plain = new Hash64Set(16);
    const part = new PartitionedHash64Set();
    for (let a = 0; a < rows; a += 65_536) {
      const n = Math.min(65_536, rows - a);
      const offsets = new Int32Array(n + 1);
      const bytes = new Uint8Array(n * 11);
      let pos = 0;
      for (let i = 0; i < n; i++) {
        const k = rnd() % 400_000;
        if (!seen[k]) { seen[k] = 1; expected++; }
        for (const c of 'user-') bytes[pos++] = c.charCodeAt(0);
        const digits = String(k);
        for (let d = 0; d < digits.length; d++) bytes[pos++] = digits.charCodeAt(d);
        offsets[i + 1] = pos;
      }
      plain.addUtf8(offsets, bytes, n);
      part.addUtf8(offsets, bytes, n);
    }
    for (const p of utf8Pieces(['é', 'é', '\u{1F600}', 'x'.repeat(300)], 3)) { plain.addUtf8(p.offsets, p.bytes, p.length); part.addUtf8(p.offsets, p.bytes, p.length); }
    expected += 3;
    expect(plain.size).toBe(expected);
    expect(part.size).toBe(expected);
    // Reading size flushes; adding again after that still dedups against what was flushed.
    for (const p of utf8Pieces(['user-0', 'user-1', 'user-399999', 'brand-new', 'é'], 2)) part.addUtf8(p.offsets, p.bytes, p.length);
    expect(part.size).toBe(expected + 1 + (seen[0] ? 0 : 1) + (seen[1] ? 0 : 1) + (seen[399_999] ? 0 : 1));
  });

  it('moves to another set through snapshot() / fromSnapshot() without losing or duplicating values', () => {
    const [p] = [...utf8Pieces(Array.from({ length: 5000 }, (_, i) => `v${i % 3000}`), 5000)];
    const a = new PartitionedHash64Set();
    a.addUtf8(p!.offsets, p!.bytes, 2500);
    const b = PartitionedHash64Set.fromSnapshot(structuredClone(a.snapshot()));
    b.addUtf8(p!.offsets, p!.bytes, 5000);
    expect(b.size).toBe(3000);
  });

  it('skips rows whose validity bit is 0 and counts small inputs', () => {
    const [p] = [...utf8Pieces(['a', 'b', 'a', 'c', 'd'], 10)];
    const validity = new Uint8Array([0b00010111]); // rows 0, 1, 2, 4 valid; row 3 ("c") null
    const part = new PartitionedHash64Set();
    expect(part.size).toBe(0);
    part.addUtf8(p!.offsets, p!.bytes, p!.length, validity);
    expect(part.size).toBe(3);
  });

  it('add(hi, lo) keeps (0, 0) and (0, 1) as one value, as Hash64Set does', () => {
    const plain = new Hash64Set();
    const part = new PartitionedHash64Set();
    for (const [hi, lo] of [[0, 0], [0, 1], [-1, 5], [-1, 5], [0x7fffffff, 5]]) { plain.add(hi!, lo!); part.add(hi!, lo!); }
    expect(part.size).toBe(plain.size);
    expect(part.size).toBe(3);
  });
});
