import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status, type ServiceError } from '@grpc/grpc-js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { checkHealth, healthClient } from './helpers/health.js';
import type { ListBatchesResponse__Output } from '../src/gen/recommender/v1/ListBatchesResponse.js';
import type { Batch__Output } from '../src/gen/recommender/v1/Batch.js';
import { DataDir } from '../src/data-dir.js';
import { readStoredBatch } from '../src/data/batch-reader.js';
import { mulberry32 } from '../src/util/random.js';
import { pyarrowMissing, validateStoredBatches } from './helpers/pyarrow.js';
import { interactionsStream } from './helpers/ipc-writer.js';
import { mutate, seeds } from './helpers/arrow-fuzz.js';
import { importWithin } from './helpers/import.js';

/** How long the fuzzer mutates (seconds; RECOMMENDER_FUZZ_SECONDS), after at least MIN_INPUTS inputs. */
const SECONDS = Number(process.env.RECOMMENDER_FUZZ_SECONDS ?? 20);
const MIN_INPUTS = 40;
const SEED = Number(process.env.RECOMMENDER_FUZZ_SEED ?? 12);

describe('seeded fuzzing of Arrow uploads', () => {
  let s: TestServer;
  let health: ReturnType<typeof healthClient>;
  let earlier: Batch__Output;
  let accepted = 0;
  beforeAll(async () => {
    s = await startTestServer();
    health = healthClient(s.address);
    earlier = await importWithin(s.client, interactionsStream(['kept-1', 'kept-2'], ['i1', 'i2']), 30_000);
  });
  afterAll(async () => { health.close(); await s.dispose(); });

  it(`mutated valid streams are answered OK or INVALID_ARGUMENT within a bound; health, memory and earlier batches hold (seed ${SEED}, ${SECONDS} s)`, async () => {
    const rnd = mulberry32(SEED);
    const bases = seeds();
    const rssBefore = process.memoryUsage().rss;
    const outcomes = new Map<string, number>();
    const started = Date.now();
    let inputs = 0;
    while (inputs < MIN_INPUTS || Date.now() - started < SECONDS * 1000) {
      const bytes = mutate(bases[inputs % bases.length]!, rnd);
      const chunk = 1 + Math.floor(rnd() * 4096);
      const res = await importWithin(s.client, bytes, 20_000, chunk).then(() => undefined, (e: ServiceError) => e);
      const code = res ? status[res.code] : 'OK';
      outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      if (res && res.code !== status.INVALID_ARGUMENT) {
        throw new Error(`input ${inputs} (seed ${SEED}): ${code} ${res.details}`);
      }
      if (!res) accepted++;
      inputs++;
      if (inputs % 20 === 0) {
        expect(await checkHealth(health, '', 10_000)).toBe('SERVING');
        expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1.5 * 1024 ** 3);
      }
    }
    expect(await checkHealth(health, '', 10_000)).toBe('SERVING');
    if (process.env.RECOMMENDER_FUZZ_REPORT) console.log(`fuzz seed ${SEED}: ${inputs} inputs`, Object.fromEntries(outcomes));
    // Both outcomes happen: the mutations are neither all harmless nor all fatal.
    expect(outcomes.get('INVALID_ARGUMENT') ?? 0).toBeGreaterThan(inputs / 4);
    expect(inputs).toBeGreaterThanOrEqual(MIN_INPUTS);
    const listed = (await call(s.client.ListBatches.bind(s.client), { page_size: 1000 }) as ListBatchesResponse__Output).batches;
    expect(listed.length).toBe(accepted + 1);
    const kept = [...readStoredBatch(new DataDir(s.dataDir).batchFile(earlier.batch_id))].reduce((n, b) => n + b.numRows, 0);
    expect(kept).toBe(2);
  }, Math.max(120_000, SECONDS * 4000));

  describe.skipIf(pyarrowMissing !== undefined)('judged by pyarrow', () => {
    it('every stored file, the accepted mutants included, passes full validation', async () => {
      const v = await validateStoredBatches(new DataDir(s.dataDir).batchesDir);
      expect(v.failures).toEqual([]);
      expect(v.checked).toBe(accepted + 1);
    });
  });
});
