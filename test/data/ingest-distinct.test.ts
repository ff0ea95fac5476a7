import { describe, expect, it } from 'vitest';
import { Table, tableToIPC, vectorFromArray, Dictionary, Utf8, Int32 } from 'apache-arrow';
import { ingestArrowStream } from '../../src/data/ingest.js';
import { liveWorkerCount } from '../../src/util/worker-rpc.js';
import { utf8Vector } from '../helpers/arrow-fast.js';

/** One Arrow IPC stream of `batches` record batches of `rows` synthetic interactions, and the exact distinct counts. */
function upload(batches: number, rows: number, dictionaryTargets = false) {
  let s = 88172645;
  const rnd = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
  const allSources = new Set<string>();
  const allTargets = new Set<string>();
  const parts = [];
  for (let b = 0; b < batches; b++) {
    const src = Array.from({ length: rows }, () => `u${rnd() % 20_000}`);
    const tgt = Array.from({ length: rows }, () => `item-${rnd() % 3_000}`);
    src.forEach((v) => allSources.add(v));
    tgt.forEach((v) => allTargets.add(v));
    const target_id = dictionaryTargets ? vectorFromArray(tgt, new Dictionary(new Utf8(), new Int32())) : utf8Vector(tgt);
    parts.push(new Table({ source_id: utf8Vector(src), target_id }).batches[0]!);
  }
  return { bytes: tableToIPC(new Table(parts), 'stream'), sources: allSources.size, targets: allTargets.size };
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

async function ingest(bytes: Uint8Array, distinctOffloadAfterRows: number) {
  let written = 0;
  const stats = await ingestArrowStream(chunked(bytes, 65_537), 'INTERACTIONS', { write: async (c) => { written += c.byteLength; } }, { distinctOffloadAfterRows });
  return { stats, written };
}

describe('distinct counts on the worker thread', () => {
  it('hands over mid-upload and counts exactly what the in-thread path counts', async () => {
    const u = upload(12, 5_000);
    const inThread = await ingest(u.bytes, Infinity);
    const handedOver = await ingest(u.bytes, 12_000); // first 3 batches here, the rest on the worker
    const allWorker = await ingest(u.bytes, 0); // from the first batch on
    for (const r of [inThread, handedOver, allWorker]) {
      expect(r.stats.rows).toBe(60_000);
      expect(r.stats.distinctSourceCount).toBe(u.sources);
      expect(r.stats.distinctTargetCount).toBe(u.targets);
    }
    expect(handedOver.written).toBe(inThread.written);
  });

  it('counts dictionary-encoded ids on the worker too', async () => {
    const u = upload(1, 10_000, true); // one batch: tableToIPC cannot join batches with different dictionaries
    const r = await ingest(u.bytes, 0);
    expect(r.stats.distinctSourceCount).toBe(u.sources);
    expect(r.stats.distinctTargetCount).toBe(u.targets);
  });

  it('a failed upload stops its worker and reports the input error', async () => {
    const u = upload(3, 2_000);
    const truncated = u.bytes.subarray(0, u.bytes.length - 8); // no end-of-stream marker
    const before = liveWorkerCount();
    await expect(ingest(truncated, 0)).rejects.toThrow(/truncated/);
    expect(liveWorkerCount()).toBe(before);
  });
});
