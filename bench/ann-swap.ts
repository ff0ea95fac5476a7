/**
 * What a swap to a large model costs the event loop: a synthetic model (synthetic-model.ts, clustered factors)
 * of at least the ANN threshold is committed as a completed job on a real server (in-process), then GetModel's
 * view of its index is polled until it is ready; the event loop's delay over that time (max, p99), how long
 * the index took, and whether the model was loaded for it (it should not be: the build worker reads the
 * version's files, the model is loaded by its first request).
 *   flock /tmp/bench.lock npx tsx bench/ann-swap.ts [--targets 300000] [--sources 1000000] [--factors 32]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startApp } from '../src/app.js';
import { compileServerOptions } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { JobRepo } from '../src/service/jobs/job-repo.js';
import { syntheticModel } from './synthetic-model.js';

const { values: a } = parseArgs({ options: { targets: { type: 'string', default: '300000' }, sources: { type: 'string', default: '1000000' }, factors: { type: 'string', default: '32' } } });
const n = Number(a.targets), m = Number(a.sources), k = Number(a.factors);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-ann-swap-'));
try {
  const app = await startApp(compileServerOptions({ dataDir, port: 0, logLevel: 'warn', backend: 'wasm', workers: 1 }), createLogger('warn'));
  const model = syntheticModel({ sources: m, targets: n, factors: k, dist: 'clustered' });
  await app.models.write(model);
  const repo = new JobRepo(app.db);
  const now = Date.now();
  const job = { jobId: 'bench-job', modelId: 'bench', status: 'COMPLETED' as const, createMs: now, startMs: now, endMs: now, error: '', progress: 100, iteration: 1, totalIterations: 1, backend: 'synthetic', device: 'none', batchIds: [], callbackUrl: '', requestJson: '{}', lossCurve: [], sequence: 1 };
  const loadavgBefore = loadavg().map((x) => +x.toFixed(2));
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  app.models.register('bench', now, () => repo.insert(job));
  app.models.commit(model.meta, now, () => repo.update(job)); // the swap
  const dir = app.models.served('bench')!.dir;
  let state = 'not built';
  while (state === 'not built' || state === 'building') {
    await new Promise((r) => setTimeout(r, 100));
    state = (await app.serving.annStatus('bench', 'bench-job', dir, n, k))?.state ?? 'none';
  }
  delay.disable();
  console.log(JSON.stringify({
    targets: n, sources: m, factors: k, state, untilReadyS: +((performance.now() - t0) / 1000).toFixed(1),
    eventLoopDelayMaxMs: +(delay.max / 1e6).toFixed(1), eventLoopDelayP99Ms: +(delay.percentile(99) / 1e6).toFixed(1),
    modelsLoaded: app.serving.stats().models, loadavgBefore, loadavgAfter: loadavg().map((x) => +x.toFixed(2)),
  }));
  await app.stop(1000);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
