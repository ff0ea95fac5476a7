/**
 * Hardening benchmarks (issue 12), each against a server running as a separate process (`recommender serve`,
 * fresh data directory):
 *
 *   --phase upload  worst health-check latency while a big upload is imported: a probe sends grpc.health.v1
 *                   Check every 20 ms, first for 3 s with the server idle (the baseline, same run), then during a
 *                   `recommender import` (a third process) of N synthetic interactions;
 *   --phase hostile the same probe while the 26 KB upload is sent (a dictionary-encoded source_id whose
 *                   record batch claims 2^27 rows with buffers for 1000): the answer, its time, and the health
 *                   checks meanwhile (run it against an older checkout with --server-bin to see the freeze);
 *   --phase train   GetStatus latency every 50 ms throughout a Train of N interactions with N distinct sources
 *                   (factors 8, 1 iteration), and the server's RSS: before the Train (baseline), peak (VmHWM), and
 *                   after the job (the lowest of the 20 s that follow, GetStatus probed through them too).
 *   --phase restart worst health-check latency during the first Recommend after a restart on a large model: a
 *                   synthetic model of N sources (--targets T, factors 8, 2 seen targets each) is written as a
 *                   completed job's version, the server process started on it, the probe run for 3 s idle
 *                   (baseline), then during the first Recommend (which loads the model) and a second one.
 *
 * `--server-bin PATH` runs another checkout's bin/recommender.mjs as the server (a before/after comparison).
 *
 * usage: flock /tmp/bench.lock npm run bench:hardening -- --phase upload|hostile|train|restart [--rows 10000000] [--targets 10000] [--server-bin P]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { createClient } from '../src/transport/client.js';
import { uploadArrow } from '../src/cli/import/upload.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import { syntheticIpcStream } from './synthetic-interactions.js';
import { cpuSeconds, mib, startServer, vm } from './server-process.js';
import { dictionaryStream } from '../test/helpers/ipc-writer.js';
import { startApp } from '../src/app.js';
import { compileServerOptions } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { JobRepo } from '../src/service/jobs/job-repo.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import { modelFilesBytes } from '../src/data/model-file.js';
import { syntheticModel } from './synthetic-model.js';

const { values } = parseArgs({ options: {
  phase: { type: 'string', default: 'upload' }, rows: { type: 'string', default: '10000000' },
  'server-bin': { type: 'string' }, keep: { type: 'boolean', default: false }, targets: { type: 'string', default: '10000' },
} });
const rows = Number(values.rows);
const work = mkdtempSync(join(tmpdir(), 'rec-bench-hard-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stats(ms: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const q = (f: number) => Number((s[Math.min(s.length - 1, Math.floor(f * s.length))] ?? NaN).toFixed(1));
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: Number((s.at(-1) ?? NaN).toFixed(1)) };
}

/** Calls `probe` every `everyMs` (never two at once) until stopped; returns each call's latency in ms. */
function prober(everyMs: number, probe: () => Promise<unknown>): { stop(): Promise<number[]> } {
  const out: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await probe().catch(() => undefined);
      out.push(performance.now() - t0);
      await sleep(Math.max(0, everyMs - (performance.now() - t0)));
    }
  })();
  return { stop: async () => { running = false; await loop; return out; } };
}

async function writeStream(path: string, distinctSources: boolean): Promise<number> {
  const out = createWriteStream(path);
  for (const piece of syntheticIpcStream(rows, { sources: 1_000_000, targets: 100_000, distinctSources })) if (!out.write(piece)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return statSync(path).size;
}

/** Runs `fn` against a fresh server process, stopped afterwards whatever happens. */
async function withServer<T>(fn: (srv: { pid: number; address: string }) => Promise<T>): Promise<T> {
  const { child, address } = await startServer(join(work, 'data'), [], { bin: values['server-bin'] });
  try {
    return await fn({ pid: child.pid!, address });
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

function healthProbe(address: string): { check: () => Promise<unknown>; close: () => void } {
  const def = loadSync(healthProtoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const health = new (loadPackageDefinition(def) as any).grpc.health.v1.Health(address, credentials.createInsecure());
  const check = () => new Promise((res, rej) => health.Check({ service: '' }, { deadline: Date.now() + 120_000 }, (e: Error | null, r: unknown) => (e ? rej(e) : res(r))));
  return { check, close: () => health.close() };
}

async function hostilePhase(): Promise<object> {
  const ids = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
  const claim = 2 ** 27;
  const bytes = dictionaryStream(ids, ids.map((_, i) => i), { claims: (b) => { b.length = claim; b.nodes = [[claim, 0], [claim, 0]]; } });
  return withServer(async ({ pid, address }) => {
    const { check, close } = healthProbe(address);
    await check();
    const rss0 = vm(pid, 'VmRSS');
    const client = createClient({ address });
    const p = prober(20, check);
    const t0 = performance.now();
    const answer = await uploadArrow(client, { kind: 'INTERACTIONS', tags: ['hostile'] }, [bytes]).then((b) => `OK ${b.interaction_count} rows`, (e: Error) => e.message.slice(0, 160));
    const seconds = (performance.now() - t0) / 1000;
    const during = stats(await p.stop());
    const result = { phase: 'hostile', upload_bytes: bytes.length, claimed_rows: claim, answer, answer_seconds: seconds.toFixed(2), health_during_ms: during, server_rss_growth_mib: mib(vm(pid, 'VmRSS') - rss0) };
    client.close();
    close();
    return result;
  });
}

async function uploadPhase(): Promise<object> {
  const arrow = join(work, 'in.arrows');
  const bytes = await writeStream(arrow, false);
  return withServer(async ({ pid, address }) => {
    const { check, close } = healthProbe(address);
    await check();
    let p = prober(20, check);
    await sleep(3000);
    const idle = stats(await p.stop());
    const cpu0 = cpuSeconds(pid);
    p = prober(20, check);
    const t0 = performance.now();
    const cli = spawn(process.execPath, ['bin/recommender.mjs', 'import', arrow, '--tags', 'bench', '--server', address, '--json', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let outText = '';
    cli.stdout!.on('data', (d: Buffer) => { outText += d; });
    const [code] = await once(cli, 'exit');
    const seconds = (performance.now() - t0) / 1000;
    const during = stats(await p.stop());
    const result = {
      phase: 'upload', rows, arrow_mib: mib(bytes), import_exit: code, imported: (JSON.parse(outText || '{}') as { interaction_count?: string }).interaction_count,
      import_seconds: seconds.toFixed(1), server_cpu_seconds: (cpuSeconds(pid) - cpu0).toFixed(1), server_peak_rss_mib: mib(vm(pid, 'VmHWM')),
      health_idle_ms: idle, health_during_upload_ms: during, worst_during_over_worst_idle: (during.max / idle.max).toFixed(2),
    };
    close();
    return result;
  });
}

async function trainPhase(): Promise<object> {
  const arrow = join(work, 'in.arrows');
  await writeStream(arrow, true);
  return withServer(async ({ pid, address }) => {
    const client = createClient({ address });
    const batch = await uploadArrow(client, { kind: 'INTERACTIONS', tags: ['bench'] }, createReadStream(arrow, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
    rmSync(arrow, { force: true });
    await sleep(5000);
    const baseline = vm(pid, 'VmRSS');
    const hwmBefore = vm(pid, 'VmHWM');
    const unary = <T>(f: (cb: (e: Error | null, r?: T) => void) => void) => new Promise<T>((res, rej) => f((e, r) => (e ? rej(e) : res(r as T))));
    const t0 = performance.now();
    const job = await unary<TrainingStatus__Output>((cb) => client.Train({ model_id: 'big', data_tags: ['bench'], hyperparameters: { factors: 8, iterations: 1 } }, cb));
    let last: TrainingStatus__Output = job;
    let peak = 0;
    const rss = setInterval(() => { peak = Math.max(peak, vm(pid, 'VmRSS')); }, 250);
    const byProgress: { progress: number; ms: number }[] = [];
    const p = prober(50, async () => {
      const s0 = performance.now();
      last = await unary<TrainingStatus__Output>((cb) => client.GetStatus({ job_id: job.job_id }, cb));
      byProgress.push({ progress: Math.round(last.progress), ms: performance.now() - s0 });
  });
  while (['QUEUED', 'RUNNING'].includes(last.status)) await sleep(200);
  const latencies = await p.stop();
  const jobSeconds = (performance.now() - t0) / 1000;
  // The 20 s after the job (what the swap sets off, e.g. serving loading the new model), probed the same way.
  const pAfter = prober(50, () => unary<TrainingStatus__Output>((cb) => client.GetStatus({ job_id: job.job_id }, cb)));
  const after: number[] = [];
  for (let i = 0; i < 80; i++) { await sleep(250); after.push(vm(pid, 'VmRSS')); }
  const afterLatencies = await pAfter.stop();
  clearInterval(rss);
  const worst = [...byProgress].sort((a, b) => b.ms - a.ms).slice(0, 3).map((w) => ({ progress: w.progress, ms: Number(w.ms.toFixed(1)) }));
  const afterMin = Math.min(...after);
  const result = {
    phase: 'train', rows, stored: batch.interaction_count, distinct_sources: batch.distinct_source_count, status: last.status, error: last.error || undefined,
    data: last.data, job_seconds: jobSeconds.toFixed(1), get_status_ms: stats(latencies), worst_get_status: worst,
    get_status_after_job_ms: stats(afterLatencies),
    rss_baseline_mib: mib(baseline), rss_peak_mib: mib(Math.max(peak, vm(pid, 'VmHWM'))), hwm_before_train_mib: mib(hwmBefore),
    rss_after_min_mib: mib(afterMin), after_over_baseline: (afterMin / baseline).toFixed(2),
  };
  client.close();
  return result;
  });
}

/** Writes a synthetic model of `rows` sources into the data directory as the served version of model "big". */
async function writeServedModel(): Promise<{ files: number; sourceId: string }> {
  const dataDir = join(work, 'data');
  const app = await startApp(compileServerOptions({ dataDir, port: 0, logLevel: 'warn', backend: 'wasm', workers: 1 }), createLogger('warn'));
  const model = syntheticModel({ sources: rows, targets: Number(values.targets), factors: 8, seenPer: 2, modelId: 'big', jobId: 'big-job' });
  const dir = await app.models.write(model);
  const repo = new JobRepo(app.db);
  const now = Date.now();
  const job = { jobId: 'big-job', modelId: 'big', status: 'COMPLETED' as const, createMs: now, startMs: now, endMs: now, error: '', progress: 100, iteration: 1, totalIterations: 1, backend: 'synthetic', device: 'none', batchIds: [], callbackUrl: '', requestJson: '{}', lossCurve: [], sequence: 1 };
  app.models.register('big', now, () => repo.insert(job));
  app.models.commit(model.meta, now, () => repo.update(job));
  await app.stop(1000);
  return { files: await modelFilesBytes(dir), sourceId: model.sourceIds[rows - 1]! };
}

async function restartPhase(): Promise<object> {
  const { files, sourceId } = await writeServedModel();
  return withServer(async ({ pid, address }) => {
    const client = createClient({ address });
    const { check, close } = healthProbe(address);
    await check();
    let p = prober(20, check);
    await sleep(3000);
    const idle = stats(await p.stop());
    const rss0 = vm(pid, 'VmRSS');
    const recommend = () => new Promise<RecommendResponse__Output>((res, rej) => client.Recommend({ model_id: 'big', source_id: sourceId }, { deadline: Date.now() + 600_000 }, (e: Error | null, r?: RecommendResponse__Output) => (e ? rej(e) : res(r!))));
    p = prober(20, check);
    const t0 = performance.now();
    const first = await recommend();
    const firstSeconds = (performance.now() - t0) / 1000;
    const during = stats(await p.stop());
    const t1 = performance.now();
    await recommend();
    const secondMs = performance.now() - t1;
    const result = {
      phase: 'restart', sources: rows, targets: Number(values.targets), factors: 8, model_files_mib: mib(files),
      first_recommend_seconds: firstSeconds.toFixed(2), first_strategy: first.results[0]?.strategy, second_recommend_ms: secondMs.toFixed(1),
      health_idle_ms: idle, health_during_first_recommend_ms: during, server_rss_before_mib: mib(rss0), server_rss_after_mib: mib(vm(pid, 'VmRSS')), server_peak_rss_mib: mib(vm(pid, 'VmHWM')),
    };
    close();
    client.close();
    return result;
  });
}

async function main(): Promise<void> {
  const load0 = loadavg()[0]!.toFixed(1);
  const r = values.phase === 'train' ? await trainPhase() : values.phase === 'hostile' ? await hostilePhase() : values.phase === 'restart' ? await restartPhase() : await uploadPhase();
  console.log(JSON.stringify({ ...r, server: values['server-bin'] ?? 'this checkout', load_before: load0, load_after: loadavg()[0]!.toFixed(1), at: new Date().toISOString() }, null, 2));
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
