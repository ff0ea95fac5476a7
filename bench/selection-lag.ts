/**
 * Main-thread blocking during a Train's data selection: the largest gap between setInterval(5 ms) ticks
 * (an event-loop-lag probe) while
 *   a) a whole Train runs through the real RPC (selection in a worker thread since 2026-11-29),
 *   b) `selectTrainingData` runs on the main thread (what the job manager did before),
 *   c) `SelectionWorkers.select` runs (what it does now; its worker started by the first round),
 * on the same stored batches, alternating b/c for R rounds.
 *
 *   flock /tmp/bench.lock npx tsx bench/selection-lag.ts [--rows 1000000] [--rounds 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServiceError } from '@grpc/grpc-js';
import { startApp } from '../src/app.js';
import { compileServerOptions } from '../src/config.js';
import { SelectionWorkers } from '../src/data/select-in-worker.js';
import { selectTrainingData } from '../src/data/selection.js';
import type { Batch__Output } from '../src/gen/recommender/v1/Batch.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import { createLogger } from '../src/log.js';
import { BatchRepo } from '../src/service/store/batch-repo.js';
import { createClient } from '../src/transport/client.js';
import { syntheticIpcStream } from './synthetic-interactions.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, rounds: { type: 'string', default: '2' } } });
const ROWS = Number(values.rows), ROUNDS = Number(values.rounds);

function unary<Res>(fn: (cb: (err: ServiceError | null, r?: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => { fn((err, r) => (err ? reject(err) : resolve(r!))); });
}

async function probe<T>(work: () => Promise<T>): Promise<{ maxGapMs: number; wallMs: number; value: T }> {
  const t0 = performance.now();
  let last = t0, gap = 0;
  const timer = setInterval(() => { const t = performance.now(); gap = Math.max(gap, t - last); last = t; }, 5);
  try {
    const value = await work();
    const t = performance.now();
    return { maxGapMs: Math.round(Math.max(gap, t - last)), wallMs: Math.round(t - t0), value };
  } finally { clearInterval(timer); }
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sellag-'));
  const app = await startApp(compileServerOptions({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent' }), createLogger('silent'));
  const client = createClient({ address: `127.0.0.1:${app.port}` });
  try {
    const batch = await new Promise<Batch__Output>((resolve, reject) => {
      const stream = client.ImportBatch((err: ServiceError | null, r?: Batch__Output) => (err ? reject(err) : resolve(r!)));
      stream.write({ header: { kind: 'INTERACTIONS', tags: ['bench'] } });
      for (const bytes of syntheticIpcStream(ROWS, { sources: Math.max(1000, Math.round(ROWS / 20)), targets: Math.max(500, Math.round(ROWS / 50)) })) {
        for (let off = 0; off < bytes.length; off += 1 << 20) stream.write({ arrow_chunk: Buffer.from(bytes.subarray(off, off + (1 << 20))) });
      }
      stream.end();
    });
    console.error(`imported ${batch.interaction_count} rows`);
    const train = await probe(async () => {
      const st = await unary<TrainingStatus__Output>((cb) => client.Train({ model_id: 'lag', data_tags: ['bench'], hyperparameters: { factors: 8, iterations: 2 } }, cb));
      for (;;) {
        const s = await unary<TrainingStatus__Output>((cb) => client.GetStatus({ job_id: st.job_id }, cb));
        if (!['QUEUED', 'RUNNING'].includes(s.status)) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    console.log(JSON.stringify({ phase: 'Train RPC (selection in worker)', status: train.value.status, interactions: train.value.data?.interactions, maxGapMs: train.maxGapMs, wallMs: train.wallMs }));
    const repo = new BatchRepo(app.db, dataDir);
    const inter = repo.selectAll({ tags: ['bench'], kind: 'INTERACTIONS' });
    const ents = repo.selectAll({ tags: ['bench'], kind: 'ENTITIES' });
    const params = { nowMs: Date.now(), filters: { unknownEntities: 'keep' as const } };
    const workers = new SelectionWorkers();
    for (let r = 0; r < ROUNDS; r++) {
      for (const how of r % 2 === 0 ? ['main', 'worker'] : ['worker', 'main']) {
        const res = await probe<{ counts: { interactions: number; pairs: number } }>(() => (how === 'main' ? selectTrainingData(inter, ents, params) : workers.select(inter, ents, params)));
        console.log(JSON.stringify({ phase: `selection on ${how} thread`, interactions: res.value.counts.interactions, pairs: res.value.counts.pairs, maxGapMs: res.maxGapMs, wallMs: res.wallMs }));
      }
    }
    await workers.close();
  } finally {
    client.close();
    await app.stop(2000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
