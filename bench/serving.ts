/**
 * Serving benchmark (issue 5): Recommend over loopback gRPC, driven by ghz (github.com/bojand/ghz, a Go
 * load generator; `go install github.com/bojand/ghz/cmd/ghz@latest`, binary in ~/go/bin).
 *
 * The model is synthetic: random factors written with writeModel into a fresh data dir and registered
 * as a completed job (as a training job would), so the figures isolate serving. Sources have ~20 seen
 * targets each (exclude_seen on), 10 results per request, source ids round-robin over 1000 known users.
 *
 *   npx tsx bench/serving.ts [--targets 20000] [--sources 10000] [--factors 64] [--concurrency 8]
 *                            [--duration 15s] [--rps 0] [--total N] [--serving-threads 1] [--ghz ~/go/bin/ghz]
 * (--serving-threads 0 scores on the event loop; the default is the server's, 1 worker thread.)
 * Run under `flock /tmp/bench.lock` on the shared machine.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runGhz } from './ghz.js';
import { startApp } from '../src/app.js';
import { compileServerOptions, optionsFromEnv } from '../src/config.js';
import { compileAlsOptions } from '../src/engine/options.js';
import { createLogger } from '../src/log.js';
import { JobRepo } from '../src/service/jobs/job-repo.js';
import type { TrainedModel } from '../src/data/trained-model.js';
import { createClient } from '../src/transport/client.js';

const { values: a } = parseArgs({
  options: {
    targets: { type: 'string', default: '20000' }, sources: { type: 'string', default: '10000' }, factors: { type: 'string', default: '64' },
    concurrency: { type: 'string', default: '8' }, duration: { type: 'string', default: '15s' }, rps: { type: 'string', default: '0' },
    total: { type: 'string' }, connections: { type: 'string', default: '1' }, call: { type: 'string', default: 'recommend' }, 'serving-threads': { type: 'string' }, ghz: { type: 'string', default: join(homedir(), 'go/bin/ghz') }, seen: { type: 'string', default: '20' },
  },
});
const n = Number(a.targets), m = Number(a.sources), k = Number(a.factors), seenPer = Number(a.seen);

function rand(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = Math.imul(s ^ (s >>> 15), s | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

function syntheticModel(): TrainedModel {
  const r = rand(1);
  const sourceFactors = new Float32Array(m * k);
  for (let j = 0; j < sourceFactors.length; j++) sourceFactors[j] = (r() - 0.5) * 0.2;
  const targetFactors = new Float32Array(n * k);
  for (let j = 0; j < targetFactors.length; j++) targetFactors[j] = (r() - 0.5) * 0.2;
  const indptr = new Int32Array(m + 1);
  const indices = new Int32Array(m * seenPer);
  for (let u = 0; u < m; u++) {
    const row = new Set<number>();
    while (row.size < Math.min(seenPer, n)) row.add(Math.floor(r() * n));
    indices.set(Int32Array.from(row).sort(), u * seenPer);
    indptr[u + 1] = (u + 1) * seenPer;
  }
  const pop = new Float32Array(n);
  for (const i of indices) pop[i]!++;
  return {
    meta: {
      modelId: 'bench', jobId: 'bench-job', trainedMs: Date.now(), factors: k, backend: 'synthetic', device: 'none', batchIds: [],
      hyperparameters: { ...compileAlsOptions({ factors: k, regularization: 10, alpha: 1 }), typeWeights: {} }, lossCurve: [], lossKind: 'exact', trainSeconds: 0,
      data: { interactions: indices.length, pairs: indices.length, sources: m, targets: n, entities: 0, droppedByAge: 0, droppedByFilter: 0 },
    },
    sourceIds: Array.from({ length: m }, (_, i) => `user-${i}`),
    targetIds: Array.from({ length: n }, (_, i) => `item-${i}`),
    sourceFactors, targetFactors, seen: { indptr, indices, data: new Float32Array(indices.length).fill(1) }, targetPopularity: pop,
    sourceEntities: { type: new Array(m).fill(null), metadata: new Array(m).fill(null) },
    targetEntities: { type: new Array(n).fill(null), metadata: new Array(n).fill(null) },
  };
}

/**
 * ghz's proto parser predates proto3 `optional` (and the server's reflection descriptor lacks the Timestamp
 * import), so ghz gets a copy of the contract with `optional` dropped: same field numbers and types,
 * so the same bytes on the wire for the fields the bench sets.
 */
function writeProtoForGhz(dir: string): string {
  const text = readFileSync(new URL('../proto/recommender/v1/recommender.proto', import.meta.url), 'utf8').replace(/\boptional /g, '');
  writeFileSync(join(dir, 'recommender.proto'), text);
  return join(dir, 'recommender.proto');
}

/** The standard grpc.health.v1 contract (for --call health). */
function writeHealthProto(dir: string): string {
  const text = `syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; } ServingStatus status = 1; }
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
`;
  writeFileSync(join(dir, 'health.proto'), text);
  return join(dir, 'health.proto');
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-serving-'));
try {
  // The server first (its start-up removes model directories no job points at), then the model.
  // The environment's serving switches apply (RECOMMENDER_SERVING_PREFILTER=0 for the "off" rows, README).
  const app = await startApp(compileServerOptions(optionsFromEnv(), { dataDir, port: 0, logLevel: process.env.LOG_LEVEL ?? 'warn', backend: 'wasm', workers: 1, servingThreads: a['serving-threads'] === undefined ? undefined : Number(a['serving-threads']) }), createLogger(process.env.LOG_LEVEL ?? 'warn'));
  let t0 = performance.now();
  const model = syntheticModel();
  await app.models.write(model);
  const writeS = (performance.now() - t0) / 1000;
  const repo = new JobRepo(app.db);
  const now = Date.now();
  const job = { jobId: 'bench-job', modelId: 'bench', status: 'COMPLETED' as const, createMs: now, startMs: now, endMs: now, error: '', progress: 100, iteration: 1, totalIterations: 1, backend: 'synthetic', device: 'none', batchIds: [], callbackUrl: '', requestJson: '{}', lossCurve: [], sequence: 1 };
  app.models.register('bench', now, () => repo.insert(job));
  app.models.commit(model.meta, now, () => repo.update(job));
  const address = `127.0.0.1:${app.port}`;
  // First request loads the model into the cache (reported separately).
  const client = createClient({ address });
  t0 = performance.now();
  await new Promise<void>((resolve, reject) => client.Recommend({ model_id: 'bench', source_id: 'user-0' }, (err) => (err ? reject(err) : resolve())));
  const loadS = (performance.now() - t0) / 1000;
  client.close();

  const dataFile = join(dataDir, 'requests.json');
  const r = rand(9);
  writeFileSync(dataFile, JSON.stringify(Array.from({ length: 1000 }, () => ({ model_id: 'bench', source_id: `user-${Math.floor(r() * m)}`, max_recommendations: 10 }))));
  const outFile = join(dataDir, 'ghz.json');
  // --call health: the same load on grpc.health.v1.Health/Check (no work at all), i.e. the floor that this
  // machine, grpc-js and the load generator set for any call.
  const target = a.call === 'health'
    ? ['--proto', writeHealthProto(dataDir), '--call', 'grpc.health.v1.Health.Check', '-d', '{"service":""}']
    : ['--proto', writeProtoForGhz(dataDir), '--import-paths', dataDir, '--call', 'recommender.v1.Recommender.Recommend', '--data-file', dataFile];
  const args = ['--insecure', ...target, '-c', a.concurrency!, '--connections', a.connections!,
    ...(a.total ? ['-n', a.total] : ['-z', a.duration!]), ...(Number(a.rps) > 0 ? ['--rps', a.rps!] : []), address];
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const rep = await runGhz(a.ghz!, args, outFile);
  const cpu = process.cpuUsage(cpu0);
  loopDelay.disable();
  const wallS = (performance.now() - wall0) / 1000;
  const result = {
    targets: n, sources: m, factors: k, call: a.call, servingThreads: app.options.servingThreads, concurrency: Number(a.concurrency), rateLimit: Number(a.rps) || 'none',
    requests: rep.count, rps: Math.round(rep.rps), p50ms: rep.pctMs(50), p90ms: rep.pctMs(90), p99ms: rep.pctMs(99),
    avgMs: rep.avgMs, maxMs: rep.maxMs, statuses: rep.statuses,
    modelWriteS: +writeS.toFixed(1), firstRequestLoadS: +loadS.toFixed(2),
    // CPU of the server process (user + system) per request, and its share of one core during the run
    // how late the event loop ran timers (ms): what every other call on this server waits behind
    eventLoopDelayP99Ms: +(loopDelay.percentile(99) / 1e6).toFixed(2), eventLoopDelayMaxMs: +(loopDelay.max / 1e6).toFixed(2),
    serverCpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / rep.count).toFixed(3), serverCores: +((cpu.user + cpu.system) / 1e6 / wallS).toFixed(2),
  };
  console.log(JSON.stringify(result));
  await app.stop(1000);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
