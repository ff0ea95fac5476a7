/**
 * Does watching slow training? Trains the same synthetic data with 0 and with N concurrent WatchStatus
 * clients (alternating, R rounds each) and compares the job's wall time (start_time -> end_time, server
 * side: selection + training + model write) and the engine's own seconds.
 *
 *   flock /tmp/bench.lock npx tsx bench/watchers.ts [--rows 1000000] [--watchers 100] [--rounds 2]
 *        [--factors 32] [--iterations 5] [--backend auto] [--heartbeat-ms 1000]
 *
 * Everything runs in this process (server, watcher clients) except the engine, which trains in a
 * worker thread: the watchers compete with training for the same 2 cores, the worst case.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServiceError } from '@grpc/grpc-js';
import { startApp } from '../src/app.js';
import { compileServerOptions } from '../src/config.js';
import { createLogger } from '../src/log.js';
import type { Batch__Output } from '../src/gen/recommender/v1/Batch.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommenderClient } from '../src/gen/recommender/v1/Recommender.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import { createClient } from '../src/transport/client.js';
import { syntheticIpcStream } from './synthetic-interactions.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' }, watchers: { type: 'string', default: '100' }, rounds: { type: 'string', default: '2' },
    factors: { type: 'string', default: '32' }, iterations: { type: 'string', default: '5' }, backend: { type: 'string', default: 'auto' },
    'heartbeat-ms': { type: 'string', default: '1000' },
  },
});
const ROWS = Number(values.rows), WATCHERS = Number(values.watchers), ROUNDS = Number(values.rounds);
const HB = Number(values['heartbeat-ms']);

function unary<Res>(fn: (cb: (err: ServiceError | null, r?: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => { fn((err, r) => (err ? reject(err) : resolve(r!))); });
}
const ms = (t: { seconds: string; nanos: number } | null) => (t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : NaN);

async function importData(client: RecommenderClient): Promise<Batch__Output> {
  return new Promise((resolve, reject) => {
    const stream = client.ImportBatch((err: ServiceError | null, r?: Batch__Output) => (err ? reject(err) : resolve(r!)));
    stream.write({ header: { kind: 'INTERACTIONS', tags: ['bench'] } });
    for (const bytes of syntheticIpcStream(ROWS, { sources: Math.max(1000, Math.round(ROWS / 20)), targets: Math.max(500, Math.round(ROWS / 50)) })) {
      for (let off = 0; off < bytes.length; off += 1 << 20) stream.write({ arrow_chunk: Buffer.from(bytes.subarray(off, off + (1 << 20))) });
    }
    stream.end();
  });
}

async function trainOnce(client: RecommenderClient, watcherClients: RecommenderClient[], modelId: string, watchers: number) {
  const st = await unary<TrainingStatus__Output>((cb) => client.Train({ model_id: modelId, hyperparameters: { factors: Number(values.factors), iterations: Number(values.iterations), backend: values.backend } }, cb));
  let messages = 0;
  const streams = Array.from({ length: watchers }, (_, i) => {
    const s = watcherClients[i % watcherClients.length]!.WatchStatus({ job_id: st.job_id, heartbeat_ms: HB });
    s.on('data', () => { messages++; });
    return new Promise<void>((resolve) => { s.on('end', resolve); s.on('error', () => resolve()); });
  });
  let final: TrainingStatus__Output;
  for (;;) {
    final = await unary<TrainingStatus__Output>((cb) => client.GetStatus({ job_id: st.job_id }, cb));
    if (!['QUEUED', 'RUNNING'].includes(final.status)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await Promise.all(streams);
  if (final.status !== 'COMPLETED') throw new Error(`job ${st.job_id}: ${final.status} ${final.error}`);
  const model = await unary<Model__Output>((cb) => client.GetModel({ model_id: modelId }, cb));
  return { watchers, wallS: (ms(final.end_time) - ms(final.start_time)) / 1000, engineS: model.train_seconds, messages, backend: final.backend, device: final.device, data: final.data };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-watchers-'));
  const app = await startApp(compileServerOptions({ dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent', backend: values.backend }), createLogger('silent'));
  const address = `127.0.0.1:${app.port}`;
  const client = createClient({ address });
  // Several channels so 100 streams do not all share one HTTP/2 connection.
  const watcherClients = Array.from({ length: 4 }, () => createClient({ address }));
  try {
    const t0 = performance.now();
    const batch = await importData(client);
    console.error(`imported ${batch.interaction_count} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const runs = [];
    // Warm-up (worker start, backend init, JIT) not counted.
    await trainOnce(client, watcherClients, 'warmup', 0);
    for (let r = 0; r < ROUNDS; r++) {
      for (const w of r % 2 === 0 ? [0, WATCHERS] : [WATCHERS, 0]) {
        const res = await trainOnce(client, watcherClients, `m-${r}-${w}`, w);
        console.error(JSON.stringify(res));
        runs.push(res);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const base = runs.filter((x) => x.watchers === 0), watched = runs.filter((x) => x.watchers === WATCHERS);
    const summary = {
      rows: ROWS, watchers: WATCHERS, rounds: ROUNDS, heartbeatMs: HB, backend: runs[0]!.backend, device: runs[0]!.device, data: runs[0]!.data,
      wallS0: mean(base.map((x) => x.wallS)), wallSN: mean(watched.map((x) => x.wallS)),
      engineS0: mean(base.map((x) => x.engineS)), engineSN: mean(watched.map((x) => x.engineS)),
      messagesPerWatcher: mean(watched.map((x) => x.messages / WATCHERS)),
    };
    console.log(JSON.stringify({ ...summary, wallRatio: summary.wallSN / summary.wallS0, engineRatio: summary.engineSN / summary.engineS0 }, null, 1));
  } finally {
    client.close();
    for (const c of watcherClients) c.close();
    await app.stop(2000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
