/**
 * Serving benchmark: Recommend over loopback gRPC, driven by ghz (github.com/bojand/ghz, a Go load
 * generator; `go install github.com/bojand/ghz/cmd/ghz@latest`, binary in ~/go/bin).
 *
 * The model is synthetic (synthetic-model.ts: `--dist random` or `clustered`), written with writeModel into
 * a fresh data dir and registered as a completed job (as a training job would), so the figures isolate
 * serving. Sources have 20 seen targets each (exclude_seen on), 10 results per request, source ids drawn
 * from the known users. A catalog of at least the server's ANN threshold gets its index first (built as in
 * production, on the build worker; its build time, recall@10 and size come from GetModel, the memory from
 * the process RSS before and after).
 *
 * `--call both` (the default) runs Health/Check and Recommend alternately, `--rounds` times each, under the
 * same load in the same server, after a warm-up of both: the ratios of Recommend to Health (CPU per call,
 * p99) are what this shared machine can compare; `--call recommend|health` runs one of them once.
 *
 *   npx tsx bench/serving.ts [--targets 20000] [--sources 10000] [--factors 64] [--dist random|clustered]
 *                            [--concurrency 8] [--duration 10s] [--rps 500] [--rounds 3] [--call both|recommend|health]
 *                            [--exact] [--serving-threads 1] [--ann-threshold N] [--ghz ~/go/bin/ghz]
 *                            [--cpu-prof DIR]
 * (--serving-threads 0 scores on the event loop; --ann-threshold 0 serves without an index; the defaults are
 * the server's.) Run under `flock /tmp/bench.lock` on the shared machine.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runGhz, type GhzSummary } from './ghz.js';
import { syntheticModel, type FactorDistribution } from './synthetic-model.js';
import { startApp } from '../src/app.js';
import { compileServerOptions, optionsFromEnv } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { JobRepo } from '../src/service/jobs/job-repo.js';
import { createClient } from '../src/transport/client.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import { mulberry32 } from '../src/util/random.js';

const { values: a } = parseArgs({
  options: {
    targets: { type: 'string', default: '20000' }, sources: { type: 'string', default: '10000' }, factors: { type: 'string', default: '64' },
    dist: { type: 'string', default: 'random' }, concurrency: { type: 'string', default: '8' }, duration: { type: 'string', default: '10s' },
    rps: { type: 'string', default: '500' }, total: { type: 'string' }, connections: { type: 'string', default: '1' }, call: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '3' }, exact: { type: 'boolean', default: false }, 'serving-threads': { type: 'string' }, 'ann-threshold': { type: 'string' },
    ghz: { type: 'string', default: join(homedir(), 'go/bin/ghz') }, seen: { type: 'string', default: '20' }, 'cpu-prof': { type: 'string' },
  },
});
const n = Number(a.targets), m = Number(a.sources), k = Number(a.factors);
const optional = (v: string | undefined) => (v === undefined ? undefined : Number(v));

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

/** The standard grpc.health.v1 contract (for Health/Check). */
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

const mb = (b: number) => Math.round(b / 2 ** 20);

/**
 * CPU ticks (user + system, 1/100 s) of this process's main thread and of all its other threads (scoring
 * and build workers, V8's GC and compiler helpers, libuv's pool) from /proc/self/task: where a call's CPU
 * goes beyond the event loop. Linux only; zeros elsewhere.
 */
function threadTicks(): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  let tids: string[];
  try { tids = readdirSync('/proc/self/task'); } catch { return out; }
  for (const tid of tids) {
    let stat: string;
    try { stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'); } catch { continue; } // a thread that just ended
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]); // utime, stime
    if (Number(tid) === process.pid) out.main += ticks; else out.others += ticks;
  }
  return out;
}
const dataDir = mkdtempSync(join(tmpdir(), 'bench-serving-'));
try {
  // The server first (its start-up removes model directories no job points at), then the model.
  // The environment's serving switches apply (RECOMMENDER_SERVING_PREFILTER=0 for the "off" rows, README).
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const app = await startApp(compileServerOptions(optionsFromEnv(), {
    dataDir, port: 0, logLevel: process.env.LOG_LEVEL ?? 'warn', backend: 'wasm', workers: 1,
    servingThreads: optional(a['serving-threads']), annThresholdTargets: optional(a['ann-threshold']),
  }), log);
  let t0 = performance.now();
  const model = syntheticModel({ sources: m, targets: n, factors: k, seenPer: Number(a.seen), dist: a.dist as FactorDistribution });
  await app.models.write(model);
  const writeS = (performance.now() - t0) / 1000;
  const repo = new JobRepo(app.db);
  const now = Date.now();
  const job = { jobId: 'bench-job', modelId: 'bench', status: 'COMPLETED' as const, createMs: now, startMs: now, endMs: now, error: '', progress: 100, iteration: 1, totalIterations: 1, backend: 'synthetic', device: 'none', batchIds: [], callbackUrl: '', requestJson: '{}', lossCurve: [], sequence: 1 };
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  app.models.register('bench', now, () => repo.insert(job));
  app.models.commit(model.meta, now, () => repo.update(job)); // loads the model (and builds its index) in the background
  const address = `127.0.0.1:${app.port}`;
  const client = createClient({ address });
  const getModel = () => new Promise<Model__Output>((resolve, reject) => client.GetModel({ model_id: 'bench' }, (err, res) => (err ? reject(err) : resolve(res!))));
  await new Promise<void>((resolve, reject) => client.Recommend({ model_id: 'bench', source_id: 'user-0' }, (err) => (err ? reject(err) : resolve())));
  const loadS = (performance.now() - t0) / 1000;
  const rssLoaded = process.memoryUsage().rss;
  let ann = (await getModel()).ann;
  while (ann && (ann.state === 'building' || ann.state === 'not built')) {
    await new Promise((r) => setTimeout(r, 500));
    ann = (await getModel()).ann;
  }
  // the first request through the index maps it in; time the build from the commit
  await new Promise<void>((resolve, reject) => client.Recommend({ model_id: 'bench', source_id: 'user-1' }, (err) => (err ? reject(err) : resolve())));
  const rssIndexed = process.memoryUsage().rss;
  const setupCpu = process.cpuUsage(cpu0); // loading the model, and building its index when it gets one (all threads)
  client.close();

  const dataFile = join(dataDir, 'requests.json');
  const r = mulberry32(9);
  writeFileSync(dataFile, JSON.stringify(Array.from({ length: 1000 }, () => ({ model_id: 'bench', source_id: `user-${Math.floor(r() * m)}`, max_recommendations: 10, exact: a.exact }))));
  const outFile = join(dataDir, 'ghz.json');
  // Health/Check: the same load on grpc.health.v1.Health/Check (no work at all), i.e. the floor that this
  // machine, grpc-js and the load generator set for any call.
  const targets = {
    health: ['--proto', writeHealthProto(dataDir), '--call', 'grpc.health.v1.Health.Check', '-d', '{"service":""}'],
    recommend: ['--proto', writeProtoForGhz(dataDir), '--import-paths', dataDir, '--call', 'recommender.v1.Recommender.Recommend', '--data-file', dataFile],
  };
  type Call = keyof typeof targets;
  const load = (duration: string | undefined, total?: string) => ['-c', a.concurrency!, '--connections', a.connections!,
    ...(total ? ['-n', total] : ['-z', duration!]), ...(Number(a.rps) > 0 ? ['--rps', a.rps!] : [])];

  // --cpu-prof DIR: a V8 CPU profile of the event loop's thread during each measured run (DIR/<call>-<n>.cpuprofile;
  // open in Chrome DevTools). It costs CPU itself: take the ratios from runs without it.
  const profiler = a['cpu-prof'] ? new Session() : undefined;
  if (profiler) {
    mkdirSync(a['cpu-prof']!, { recursive: true });
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  let profiles = 0;
  async function profiled<T>(call: Call, f: () => Promise<T>): Promise<T> {
    if (!profiler) return f();
    await profiler.post('Profiler.start');
    const out = await f();
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(join(a['cpu-prof']!, `${call}-${profiles++}.cpuprofile`), JSON.stringify(profile));
    return out;
  }

  async function run(call: Call, duration: string | undefined, total?: string, profile = false) {
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const cpu0 = process.cpuUsage();
    const ticks0 = threadTicks();
    const wall0 = performance.now();
    const ghz = () => runGhz(a.ghz!, ['--insecure', ...targets[call], ...load(duration, total), address], outFile);
    const rep: GhzSummary = profile ? await profiled(call, ghz) : await ghz();
    const cpu = process.cpuUsage(cpu0);
    const ticks = threadTicks();
    loopDelay.disable();
    const wallS = (performance.now() - wall0) / 1000;
    const perRequestMs = (t: number) => +((t * 10) / rep.count).toFixed(3);
    return {
      call, requests: rep.count, rps: Math.round(rep.rps), p50ms: rep.pctMs(50), p90ms: rep.pctMs(90), p99ms: rep.pctMs(99), avgMs: rep.avgMs, maxMs: rep.maxMs, statuses: rep.statuses,
      // how late the event loop ran timers (ms): what every other call on this server waits behind
      eventLoopDelayP99Ms: +(loopDelay.percentile(99) / 1e6).toFixed(2),
      // CPU of the server process (all its threads, user + system) per request, and its share of one core
      serverCpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / rep.count).toFixed(3), serverSystemMsPerRequest: +(cpu.system / 1000 / rep.count).toFixed(3),
      serverCores: +((cpu.user + cpu.system) / 1e6 / wallS).toFixed(2),
      // the same CPU split by thread: the event loop's thread, and all the others together
      mainThreadMsPerRequest: perRequestMs(ticks.main - ticks0.main), otherThreadsMsPerRequest: perRequestMs(ticks.others - ticks0.others),
    };
  }

  const setup = {
    targets: n, sources: m, factors: k, dist: a.dist, exact: a.exact, servingThreads: app.options.servingThreads, concurrency: Number(a.concurrency),
    rateLimit: Number(a.rps) || 'none', modelWriteS: +writeS.toFixed(1), firstRequestS: +loadS.toFixed(2),
    ann: ann ? { state: ann.state, recallAt10: +ann.recall_at_10.toFixed(4), breadth: ann.breadth, buildS: +ann.build_seconds.toFixed(1), fileMB: mb(Number(ann.bytes)) } : 'none',
    loadAndBuildCpuS: +((setupCpu.user + setupCpu.system) / 1e6).toFixed(1),
    rssMB: { loaded: mb(rssLoaded - rss0), indexed: mb(rssIndexed - rss0), peak: mb(process.resourceUsage().maxRSS * 1024 - rss0) }, loadavgBefore: loadavg().map((x) => +x.toFixed(2)),
  };
  console.log(JSON.stringify(setup));
  if (a.call === 'both') {
    const calls: Call[] = ['health', 'recommend'];
    for (const c of calls) await run(c, '2s'); // warm-up: JIT tiers, worker start-up, the index's pages
    const runs: Array<Awaited<ReturnType<typeof run>>> = [];
    for (let round = 0; round < Number(a.rounds); round++) {
      for (const c of calls) {
        const res = await run(c, a.duration, a.total, true);
        runs.push(res);
        console.log(JSON.stringify({ round, ...res }));
      }
    }
    const median = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); return s[s.length >> 1]!; };
    const of = (c: Call, f: (x: (typeof runs)[number]) => number) => median(runs.filter((x) => x.call === c).map(f));
    const ratio = (f: (x: (typeof runs)[number]) => number) => +(of('recommend', f) / of('health', f)).toFixed(2);
    console.log(JSON.stringify({
      summary: 'medians over rounds', loadavgAfter: loadavg().map((x) => +x.toFixed(2)),
      health: { p50ms: of('health', (x) => x.p50ms), p99ms: of('health', (x) => x.p99ms), cpuMsPerRequest: of('health', (x) => x.serverCpuMsPerRequest), mainThreadMs: of('health', (x) => x.mainThreadMsPerRequest), otherThreadsMs: of('health', (x) => x.otherThreadsMsPerRequest) },
      recommend: { p50ms: of('recommend', (x) => x.p50ms), p99ms: of('recommend', (x) => x.p99ms), cpuMsPerRequest: of('recommend', (x) => x.serverCpuMsPerRequest), mainThreadMs: of('recommend', (x) => x.mainThreadMsPerRequest), otherThreadsMs: of('recommend', (x) => x.otherThreadsMsPerRequest) },
      recommendOverHealth: { p99: ratio((x) => x.p99ms), cpuPerRequest: ratio((x) => x.serverCpuMsPerRequest) },
    }));
  } else {
    console.log(JSON.stringify(await run(a.call as Call, a.duration, a.total, true)));
  }
  await app.stop(1000);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
