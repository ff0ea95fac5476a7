/**
 * The `spark` trainer: a whole `Trainer` (training-pipeline.ts) that fits the job's matrix with Spark
 * MLlib's ALS through the driver (spark/driver.py) and returns the same AlsResult as the engine, so the
 * rest of the job (evaluation, model file, swap, serving, fold-in) is unchanged. One run:
 *
 *   exporting   the matrix as Parquet into the run's directory (exchange worker, off the event loop)
 *   submitting  the job spec written, the driver started (its SparkSession, on the configured master)
 *   training    Spark's fit, one progress report per iteration as the driver sees them finish
 *   fetching    the factors read back in our index order, Spark's objective computed (exchange worker)
 *
 * The run's directory is removed at the end, a failed run's kept only with `keepFailedStaging`. A
 * cancel stops the driver's whole process group (driver-process.ts) before the promise rejects.
 * Hyperparameters map as hyperparameters.ts says; the device names the master and the application id,
 * which is how to tell where a model was trained.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompiledAlsOptions } from '../../engine/options.js';
import type { AlsResult, CsrMatrix, TrainProgress } from '../../engine/types.js';
import { diskFullError } from '../../data-dir.js';
import { CancelledError, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { transfer, WorkerClient } from '../../util/worker-rpc.js';
import type { Trainer, TrainerHooks } from '../jobs/training-pipeline.js';
import { killLeftoverDriver, runDriver } from './driver-process.js';
import type { ExchangeProtocol } from './exchange-protocol.js';
import { sparkAlsParams } from './hyperparameters.js';
import { SPEC_VERSION, type SparkJobSpec, type SparkManifest } from './job-spec.js';
import { isStagingUri, SPARK_STAGING, type SparkSettings } from './settings.js';

export interface SparkTrainerDeps {
  settings: SparkSettings;
  /** The local half of the staging (settings.ts localStagingRoot): one directory per run. */
  localRoot: string;
  log: Logger;
}

/** Share of a run's progress before the first iteration (export, submit) and after the last (fetch). */
const SETUP_FRACTION = 0.02;

const fileUri = (path: string) => pathToFileURL(path).href;

function deviceOf(m: SparkManifest): string {
  const executors = m.executors && !m.master.startsWith('local') ? `, ${m.executors} executor${m.executors === 1 ? '' : 's'}` : '';
  return `Spark ${m.sparkVersion} ${m.master} (application ${m.applicationId ?? 'unknown'}${executors})`;
}

/** The job spec of one run (layout in job-spec.ts). */
export function jobSpec(settings: SparkSettings, local: string, runId: string, options: CompiledAlsOptions, appName: string): SparkJobSpec {
  const remote = isStagingUri(settings.staging) ? `${settings.staging}/${runId}` : undefined;
  const at = (name: string) => (remote ? `${remote}/${name}` : fileUri(join(local, name)));
  // A local master's scratch files go in the run's directory, removed with it even when the JVM was killed.
  const conf = settings.master.startsWith('local') && !settings.conf['spark.local.dir'] ? { ...settings.conf, 'spark.local.dir': join(local, 'scratch') } : settings.conf;
  return {
    version: SPEC_VERSION, master: settings.master, appName, conf,
    input: at('input'), output: at('output'), checkpointDir: settings.checkpointInterval > 0 ? at('checkpoints') : null,
    upload: remote ? { source: fileUri(join(local, 'input')), target: at('input') } : null,
    download: remote ? { source: at('output'), target: fileUri(join(local, 'output')) } : null,
    remoteRoot: remote ?? null, keepOnFailure: settings.keepFailedStaging, manifest: join(local, 'output', 'manifest.json'),
    parentPid: process.pid, als: sparkAlsParams(options, settings),
  };
}

/** In a failed run's directory kept with keepFailedStaging: the error (a restart leaves such a directory alone). */
const FAILED_MARK = 'FAILED';

/**
 * Stops drivers a killed server left behind and removes their run directories, but those of failed runs
 * kept on purpose (at start, before any job).
 */
export async function cleanSparkStaging(localRoot: string, log: Logger): Promise<void> {
  if (!existsSync(localRoot)) return;
  for (const run of readdirSync(localRoot)) {
    const dir = join(localRoot, run);
    if (await killLeftoverDriver(join(dir, 'driver.pid'))) log.warn({ run }, 'stopped a Spark driver left running by a previous server');
    if (!existsSync(join(dir, FAILED_MARK))) rmSync(dir, { recursive: true, force: true });
  }
}

export function sparkTrainer(deps: SparkTrainerDeps): Trainer {
  const { settings, localRoot } = deps;
  return async (matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainerHooks, o?: { moveMatrix?: boolean }): Promise<AlsResult> => {
    const started = performance.now();
    const { signal } = hooks;
    if (signal?.aborted) throw new CancelledError('spark job cancelled', { cause: signal.reason });
    const runId = `run-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const log = deps.log.child({ sparkRun: runId, run: hooks.label });
    const local = join(localRoot, runId);
    try {
      mkdirSync(join(local, 'input'), { recursive: true });
    } catch (err) {
      throw diskFullError(err, localRoot, SPARK_STAGING);
    }
    const progress = (p: Omit<TrainProgress, 'totalIterations' | 'elapsedMs'>) =>
      hooks.onProgress?.({ ...p, totalIterations: options.iterations, elapsedMs: performance.now() - started });
    const exchange = WorkerClient.start<ExchangeProtocol>(import.meta.url, 'exchange-worker', { label: 'spark exchange worker' });
    let ok = false;
    try {
      hooks.onPhase?.('exporting');
      progress({ fraction: 0, iteration: 0, phase: 'setup' });
      const { logScaling, logEpsilon } = options;
      // A matrix handed over moves to the exchange worker as it is; otherwise a copy does (the caller keeps its own).
      const copy = o?.moveMatrix ? matrix : { rows: matrix.rows, cols: matrix.cols, indptr: matrix.indptr.slice(), indices: matrix.indices.slice(), data: matrix.data.slice() };
      const exported = await exchange.call('export', { matrix: copy, dir: join(local, 'input'), stagingDir: localRoot, scaling: { logScaling, logEpsilon } }, {
        signal, transfer: transfer(null, [copy.indptr.buffer, copy.indices.buffer, copy.data.buffer]).transfer, abortGraceMs: 0,
      });
      const spec = jobSpec(settings, local, runId, options, `recommender-engine ${hooks.label ?? runId}`);
      const specPath = join(local, 'spec.json');
      writeFileSync(specPath, JSON.stringify(spec, null, 1));
      log.info({ master: settings.master, staging: settings.staging, files: exported.files, bytes: exported.bytes, als: spec.als }, 'spark job submitting');
      hooks.onPhase?.('submitting');
      let fitStarted = 0;
      const manifest = await runDriver({
        settings, specPath, signal, log,
        onStart: (pgid) => writeFileSync(join(local, 'driver.pid'), String(pgid)),
        onEvent: (e) => {
          if (e.event === 'session') {
            log.info({ applicationId: e.applicationId, master: e.master, sparkVersion: e.sparkVersion }, 'spark application started');
            hooks.onPhase?.('training');
            fitStarted = performance.now();
            progress({ fraction: SETUP_FRACTION, iteration: 1, phase: 'setup' });
          } else if (e.event === 'warning') {
            log.warn({ spark: e.message }, 'spark driver warning');
          } else if (e.event === 'iteration') {
            const n = options.iterations, i = Math.min(e.iteration, n);
            const perIteration = (performance.now() - (fitStarted || started)) / i;
            progress({
              fraction: SETUP_FRACTION + (1 - 2 * SETUP_FRACTION) * (i / n), iteration: i < n ? i + 1 : n,
              etaMs: perIteration * (n - i), phase: i < n ? 'loss' : 'done',
            });
          }
        },
      });
      hooks.onPhase?.('fetching');
      const k = options.factors;
      const out = join(local, 'output');
      if (manifest.rank !== k) throw new Error(`spark returned rank ${manifest.rank} factors, expected ${k}`);
      const f = await exchange.call('fetch', {
        userDir: join(out, manifest.userFactors), itemDir: join(out, manifest.itemFactors), k, alpha: options.alpha, regularization: options.regularization,
      }, { signal, abortGraceMs: 0 });
      const result: AlsResult = {
        factors: k, sourceFactors: f.sourceFactors, targetFactors: f.targetFactors, lossCurve: [f.loss], lossKind: 'exact',
        iterations: options.iterations, backend: 'spark', device: deviceOf(manifest), seconds: (performance.now() - started) / 1000,
      };
      log.info({ applicationId: manifest.applicationId, fitSeconds: manifest.fitSeconds, seconds: result.seconds, loss: f.loss, missingSources: f.missingSources, missingTargets: f.missingTargets }, 'spark job finished');
      ok = true;
      return result;
    } catch (err) {
      if (signal?.aborted) throw new CancelledError('spark job cancelled', { cause: signal.reason });
      // Our own writes there (spec, pid file; the export maps its own in the exchange worker).
      err = diskFullError(err, localRoot, SPARK_STAGING);
      log.warn({ err: errorMessage(err) }, 'spark job failed');
      if (settings.keepFailedStaging) {
        try {
          writeFileSync(join(local, FAILED_MARK), `${errorMessage(err)}\n`);
          log.warn({ dir: local }, 'kept the staging files of the failed spark job');
        } catch (markErr) {
          log.warn({ dir: local, err: errorMessage(markErr) }, 'could not mark the kept staging files of the failed spark job');
        }
      }
      throw err;
    } finally {
      await exchange.terminate();
      rmSync(join(local, 'driver.pid'), { force: true });
      if (ok || signal?.aborted || !settings.keepFailedStaging) rmSync(local, { recursive: true, force: true });
    }
  };
}
